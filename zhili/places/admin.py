from django.contrib import admin

from zhili.places.models import Place
from zhili.places.services import update_place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Read-mostly: places change through `zhili import-places` and the place pages, which
    validate codes and boundaries and write the audit trail."""

    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["kind", "code", "parent", "path", "depth", "boundary"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        update_place(actor=request.user, place=obj, name=obj.name)
