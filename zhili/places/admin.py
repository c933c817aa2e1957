from django.contrib import admin

from zhili.audit.admin import ScopedAdminMixin
from zhili.core.permissions import Cap
from zhili.places.models import Place
from zhili.places.services import update_place


@admin.register(Place)
class PlaceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-mostly: places are added by `zhili import-places`, which validates codes and
    boundaries; here an administrator renames places in their own area (audited)."""

    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["kind", "code", "parent", "path", "depth", "boundary"]
    scope_cap = Cap.PLACES_VIEW
    scope_path_field = "path"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        update_place(actor=request.user, place=obj, name=obj.name)
