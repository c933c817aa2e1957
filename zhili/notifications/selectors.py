"""Reads of the inbox: a user sees only their own notifications."""

from django.db.models import QuerySet

from zhili.core.errors import NotFound
from zhili.notifications.models import Notification


def inbox_for(actor) -> QuerySet[Notification]:
    """The actor's notifications, newest first."""
    if getattr(actor, "pk", None) is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=actor.pk).order_by("-created_at", "-id")


def unread_count(actor) -> int:
    """How many of the actor's notifications are unread: one COUNT over a partial index,
    asked on every page for the top bar's badge."""
    if getattr(actor, "pk", None) is None:
        return 0
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).count()


def access_notification(actor, notification_id) -> Notification:
    """The actor's own notification; anyone else's answers exactly as a missing one."""
    try:
        return inbox_for(actor).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
