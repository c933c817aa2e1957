from django.contrib import admin

from zhili.audit.admin import AuditedModelAdmin, ReadOnlyAdminMixin, ScopedAdminMixin
from zhili.cases.models import Case, Category, Route, TimeLimit
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


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read only: cases move only through the loop's services."""

    list_display = ["number", "category", "status", "reported_at", "step_deadline"]
    list_filter = ["status", "urgency"]
    search_fields = ["number"]
    exclude = ["reporter_phone"]
    scope_cap = Cap.CASES_VIEW
    scope_path_field = "place_path"
