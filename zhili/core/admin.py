import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin
from zhili.core.models import CalendarDay, HolidayNotice
from zhili.core.workcalendar import WARN_DAYS, calendar_known_until

# A line of the notice: a date or a range of dates, then the name ("2027-02-05 至 2027-02-11 春节").
_LINE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:\.\.|至|到|~|～|—|-{1,2})\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*(.*)$"
)


# A name that holds a date or starts with a range word is a range written loosely
# ("2027-10-01 至 10-07 国庆节"): refused rather than read as one day.
_LOOSE_DATE = re.compile(r"\d{1,4}\s*[-/.月年]\s*\d")
_RANGE_WORDS = ("至", "到", "~", "～", "—", "-", "..")


def parse_notice_lines(text: str) -> dict[dt.date, str]:
    """{date: name} from lines of "date [to date] name"; ValidationError naming the line."""
    days: dict[dt.date, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        try:
            first = dt.date.fromisoformat(_padded(match.group(1))) if match else None
            last = (
                dt.date.fromisoformat(_padded(match.group(2)))
                if match and match.group(2)
                else first
            )
        except ValueError:
            first = None
        if first is None or last < first or (last - first).days > 31:
            raise forms.ValidationError(
                gettext("Line %(n)d: write a date or two dates, then the name (e.g. %(example)s).")
                % {"n": number, "example": "2027-02-05 至 2027-02-11 春节"}
            )
        name = match.group(3).strip()
        if _LOOSE_DATE.search(name) or name.startswith(_RANGE_WORDS):
            raise forms.ValidationError(
                gettext(
                    "Line %(n)d: write both dates in full (e.g. %(example)s); the name may not "
                    "hold a date."
                )
                % {"n": number, "example": "2027-02-05 至 2027-02-11 春节"}
            )
        for offset in range((last - first).days + 1):
            days[first + dt.timedelta(days=offset)] = name
    return days


def _padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


class HolidayNoticeForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2099)
    days_off = forms.CharField(
        label=_("Days off (放假)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_(
            "One line each: a date or a range, then the holiday's name, as the notice gives "
            "them, e.g. 2027-02-05 至 2027-02-11 春节. Weekends in a range may be included."
        ),
    )
    workdays = forms.CharField(
        label=_("Make-up working days (调休上班)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "One line each: the weekend date people work, then a name, "
            "e.g. 2027-02-14 春节调休上班."
        ),
    )
    note = forms.CharField(label=_("Notice number"), max_length=200, required=False)

    def clean_days_off(self):
        return parse_notice_lines(self.cleaned_data.get("days_off", ""))

    def clean_workdays(self):
        return parse_notice_lines(self.cleaned_data.get("workdays", ""))


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedModelAdmin):
    """Days of the official calendar entered by hand: next year's holiday notice before the
    calendar package knows that year, or a change to a day it knows. Every write is audited
    and takes effect on deadlines counted from then on (docs/calendar.md)."""

    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
    fields = ["date", "is_workday", "name", "note"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            known_until = calendar_known_until()
            text = _("The official calendar is known until %(date)s.") % {
                "date": date_format(known_until)
            }
            if (known_until - timezone.localdate()).days < WARN_DAYS:
                messages.warning(request, text)
            else:
                messages.info(request, text)
        return super().changelist_view(request, extra_context)


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(admin.ModelAdmin):
    """The years whose notice has been entered; written only by the notice form (audited)."""

    list_display = ["year", "note", "entered_by", "entered_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
