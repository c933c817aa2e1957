from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin
from zhili.core.models import CalendarDay
from zhili.core.workcalendar import calendar_known_until

# From this many days before the known calendar runs out, its list warns rather than informs:
# the State Council's notice for the next year comes out in November.
_WARN_DAYS = 62


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
            if (known_until - timezone.localdate()).days < _WARN_DAYS:
                messages.warning(request, text)
            else:
                messages.info(request, text)
        return super().changelist_view(request, extra_context)
