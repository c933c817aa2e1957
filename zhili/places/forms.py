from django import forms


class PlacePickForm(forms.Form):
    place = forms.IntegerField()
