from django.contrib import admin

from zhili.audit.admin import ReadOnlyAdminMixin
from zhili.notifications.models import Escalation, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the loop told whom: looked at, never written here (the receivers write it)."""

    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "case", "task"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """The sweep's record: looked at, never edited (deleting a row would escalate again)."""

    list_display = ["created_at", "case", "step", "deadline", "level"]
    list_filter = ["level", "step"]
    raw_id_fields = ["case"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
