from django.contrib import admin

from zhili.audit.admin import AuditedModelAdmin
from zhili.orgs.models import Department


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "short_name", "jurisdiction", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["jurisdiction"]

    def audit_place_path(self, obj):
        return obj.jurisdiction.path
