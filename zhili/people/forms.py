from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core import permissions
from zhili.core.permissions import Cap
from zhili.people.models import Education, Gender, PartyMemberStatus, PoliticalStatus
from zhili.places.models import Place, PlaceKind


class PersonForm(forms.Form):
    """Shapes the input; the rules live in services.clean_person_values."""

    name = forms.CharField(label=_("full name"), max_length=50)
    id_number = forms.CharField(label=_("ID-card number"), max_length=30, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    gender = forms.ChoiceField(
        label=_("gender"), required=False, choices=[("", "—"), *Gender.choices]
    )
    birth_date = forms.DateField(
        label=_("birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    political_status = forms.ChoiceField(
        label=_("political status"), choices=PoliticalStatus.choices
    )
    party_member_status = forms.ChoiceField(
        label=_("party member status"),
        required=False,
        choices=[("", "—"), *PartyMemberStatus.choices],
    )
    education = forms.ChoiceField(
        label=_("education"), required=False, choices=[("", "—"), *Education.choices]
    )
    origin = forms.CharField(label=_("origin"), max_length=100, required=False)
    address_place = forms.ModelChoiceField(label=_("address place"), queryset=Place.objects.none())
    address_detail = forms.CharField(label=_("address"), max_length=200, required=False)
    updated_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_place"].queryset = permissions.scope_filter(
            Place.objects.filter(
                kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID]
            ),
            actor,
            Cap.PEOPLE_MANAGE,
            "path",
        ).order_by("path")
