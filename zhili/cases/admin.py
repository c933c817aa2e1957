from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin, ReadOnlyAdminMixin, ScopedAdminMixin
from zhili.cases.models import (
    Case,
    CasePhoto,
    Category,
    JointAction,
    Receipt,
    ReceiptStatus,
    Route,
    TimeLimit,
)
from zhili.cases.services import intake
from zhili.cases.services.deadlines import (
    MAX_NOTICE_YEAR,
    MIN_NOTICE_YEAR,
    enter_holiday_notice,
)
from zhili.core import permissions
from zhili.core.admin import CalendarDayAdmin, HolidayNoticeForm
from zhili.core.errors import DomainError
from zhili.core.forms import add_domain_errors
from zhili.core.models import CalendarDay
from zhili.core.permissions import Cap
from zhili.core.workcalendar import calendar_known_until, is_provisional_year, statutory_holidays


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


class RouteInline(ScopedAdminMixin, admin.TabularInline):
    model = Route
    extra = 0
    autocomplete_fields = ["place"]
    scoped_choices = {"place": (Cap.CASES_CONFIGURE, "path")}


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    """Categories, their time limits and per-place routes: configuration, audited."""

    list_display = ["code", "name", "parent", "default_lead", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [TimeLimitInline, RouteInline]


class CasePhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Read only: photos arrive only through the services, cleaned."""

    model = CasePhoto
    extra = 0
    fields = ["kind", "task", "image", "thumbnail", "width", "height", "taken_at", "uploaded_by"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read only: cases move only through the loop's services."""

    list_display = ["number", "category", "status", "reported_at", "step_deadline"]
    list_filter = ["status", "urgency", "coordinated"]
    search_fields = ["number"]
    exclude = ["reporter_phone"]
    inlines = [CasePhotoInline]
    scope_cap = Cap.CASES_VIEW
    scope_path_field = "place_path"


@admin.register(JointAction)
class JointActionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read only: joint actions are recorded through the coordination service."""

    list_display = ["date", "place", "cases_solved", "created_by"]
    date_hierarchy = "date"
    scope_cap = Cap.CASES_VIEW
    scope_path_field = "place_path"


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The fast intake's receipts (docs/cases.md): read only, for those who run the
    integrations; failed ones can be put back in the filer's queue."""

    list_display = ["id", "reporter", "status", "received_at", "decided_at", "case", "attempts"]
    list_filter = ["status"]
    list_select_related = ["reporter", "case"]
    date_hierarchy = "received_at"
    fields = list_display[1:] + ["errors", "payload"]
    readonly_fields = fields
    actions = ["retry"]

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, Cap.INTEGRATIONS_MANAGE)

    def has_retry_permission(self, request):
        return permissions.can(request.user, Cap.INTEGRATIONS_MANAGE)

    @admin.action(description=_("File the selected failed reports again"), permissions=["retry"])
    def retry(self, request, queryset):
        count = intake.retry_failed(
            actor=request.user, receipts=queryset.filter(status=ReceiptStatus.FAILED)
        )
        self.message_user(
            request,
            ngettext(
                "%(n)d report is back in the queue.", "%(n)d reports are back in the queue.", count
            )
            % {"n": count},
            messages.SUCCESS,
        )


# The calendar's list, with the form that enters a whole year's notice: here rather than in
# core because entering it counts the cases' provisional deadlines again.
admin.site.unregister(CalendarDay)


@admin.register(CalendarDay)
class CalendarDayWithNoticeAdmin(CalendarDayAdmin):
    def get_urls(self):
        return [
            path(
                "enter-year/",
                self.admin_site.admin_view(self.enter_year_view),
                name="core_calendarday_enter_year",
            ),
            *super().get_urls(),
        ]

    def enter_year_view(self, request):
        """The whole of a year's notice in one form, saved in one step (services)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        year = request.GET.get("year") or calendar_known_until().year + 1
        form = HolidayNoticeForm(request.POST or None, initial={"year": year})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                saved = enter_holiday_notice(
                    actor=request.user,
                    year=data["year"],
                    days_off=data["days_off"],
                    workdays=data["workdays"],
                    note=data["note"],
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "The %(year)s notice is entered (%(n)d days); the deadlines counted "
                        "provisionally for it were counted again."
                    )
                    % {"year": data["year"], "n": len(saved)},
                )
                return HttpResponseRedirect(reverse("admin:core_calendarday_changelist"))
        try:
            shown_year = int(form["year"].value())
        except (TypeError, ValueError):
            shown_year = None
        if shown_year is not None and not MIN_NOTICE_YEAR <= shown_year <= MAX_NOTICE_YEAR:
            shown_year = None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter a year's holiday notice"),
            "opts": self.model._meta,
            "form": form,
            "statutory": sorted(statutory_holidays(shown_year).items()) if shown_year else [],
            "provisional": bool(shown_year) and is_provisional_year(shown_year),
            "shown_year": shown_year,
        }
        return TemplateResponse(request, "admin/core/calendarday/enter_year.html", context)
