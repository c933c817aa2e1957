from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
from zhili.core import permissions
from zhili.core.permissions import Cap


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
