from django.contrib import admin

from zhili.notifications.models import Escalation, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "case", "task"]
    readonly_fields = ["created_at"]


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
