import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LONGEST_DAYS = 366


def last_month() -> tuple[dt.date, dt.date]:
    """The bulletin most often asked for: the previous calendar month."""
    first_of_this = timezone.localdate().replace(day=1)
    end = first_of_this - dt.timedelta(days=1)
    return end.replace(day=1), end


class PeriodForm(forms.Form):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&place=ID (the place is checked by the view)."""

    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    place = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"start": data.get("from"), "end": data.get("to"), "place": data.get("place")}
        super().__init__(data, **kwargs)

    def clean(self):
        values = super().clean()
        default_start, default_end = last_month()
        start = values.get("start") or default_start
        end = values.get("end") or default_end
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end - start).days >= LONGEST_DAYS:
            self.add_error("end", _("Choose a period of at most a year."))
        values["start"], values["end"] = start, end
        return values
