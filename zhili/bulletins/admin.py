from django.contrib import admin

from zhili.audit.admin import AuditedModelAdmin
from zhili.bulletins.models import BulletinSettings


@admin.register(BulletinSettings)
class BulletinSettingsAdmin(AuditedModelAdmin):
    """The weights of the composite score, the minimum for ranking and the list size
    (docs/metrics.md). One row; without it the defaults in the code apply."""

    list_display = ["__str__", "minimum", "list_size", "basic_weight"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BulletinSettings.objects.exists()
