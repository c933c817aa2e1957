from django.contrib import admin

from zhili.audit.admin import ScopedAdminMixin
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.orgs.services import create_department, update_department

_FIELDS = ["code", "name", "short_name", "jurisdiction", "duty_phone", "description", "is_active"]


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Departments are configured here through the same services as everywhere: validated,
    scoped to the administrator's area and audited. A department is disabled, not deleted."""

    list_display = ["code", "name", "short_name", "jurisdiction", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["jurisdiction"]
    fields = _FIELDS
    scope_cap = Cap.DEPARTMENTS_MANAGE
    scope_path_field = "jurisdiction__path"
    scoped_choices = {"jurisdiction": (Cap.DEPARTMENTS_MANAGE, "path")}

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {f: form.cleaned_data[f] for f in _FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: values[f] for f in form.changed_data if f in values}
            saved = update_department(actor=request.user, department=obj, **changed)
        else:
            saved = create_department(
                actor=request.user, **{k: v for k, v in values.items() if k != "is_active"}
            )
        obj.pk = saved.pk
