"""Writing to inboxes: telling people (in-app, and by e-mail where configured) and marking
what they have read.

Marking read writes no audit record: it changes nothing anyone else sees, and an audit row
per click would drown the acts that matter.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from zhili.cases.models import Case, CaseTask
from zhili.core.errors import NotFound
from zhili.core.tasks import send_email
from zhili.notifications.models import Notification
from zhili.people.models import User

Compose = Callable[[], tuple[str, str]]


def recipient_language(user: User) -> str:
    """The language a user's notifications are written in. Users choose none yet: the
    site's language."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def compose_for(
    *,
    kind: str,
    case: Case,
    recipients: Iterable[User],
    compose: Compose,
    task: CaseTask | None = None,
    skip=None,
    at: dt.datetime | None = None,
) -> list[Notification]:
    """Unsaved notifications of `kind` about `case` for each recipient but `skip` (the
    actor: nobody is told of their own act), each worded by `compose` in the recipient's
    language."""
    at = at or timezone.now()
    skip_pk = getattr(skip, "pk", None)
    worded: dict[str, tuple[str, str]] = {}
    rows = []
    for user in recipients:
        if skip_pk is not None and user.pk == skip_pk:
            continue
        language = recipient_language(user)
        if language not in worded:
            with translation.override(language):
                worded[language] = compose()
        title, body = worded[language]
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                case=case,
                task=task,
                title=title[:200],
                body=body,
                created_at=at,
            )
        )
    return rows


def deliver(rows: list[Notification]) -> list[Notification]:
    """Save the notifications, and queue an e-mail for each recipient with an address
    when the site sends mail (settings.EMAIL_HOST). The mail is queued after the commit, so
    that nothing leaves for an act that was rolled back, and sent by a worker."""
    if not rows:
        return rows
    Notification.objects.bulk_create(rows)
    if settings.EMAIL_HOST:
        for row in rows:
            if row.recipient.email:
                transaction.on_commit(
                    partial(
                        send_email.enqueue,
                        recipients=[row.recipient.email],
                        subject=row.title,
                        body=mail_body(row),
                    )
                )
    return rows


def notify(**kwargs) -> list[Notification]:
    """compose_for, then deliver: tell the recipients now."""
    return deliver(compose_for(**kwargs))


def mail_body(notification: Notification) -> str:
    site = getattr(settings, "ZHILI_SITE_URL", "").rstrip("/")
    link = f"\n\n{site}{notification.case_url}" if site else ""
    return f"{notification.body}{link}\n"


def mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one notification read. Who may: its recipient; anyone else is told it does not
    exist (NotFound). Marking a read one again changes nothing."""
    if notification.recipient_id is None or notification.recipient_id != getattr(actor, "pk", None):
        raise NotFound()
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    if getattr(actor, "pk", None) is None:
        return 0
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
