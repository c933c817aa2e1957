"""Background work, through the tasks API (the django-tasks backport of Django 6's
django.tasks). Code enqueues with `.enqueue(...)` and never names a queue or a backend:
settings.TASKS decides whether jobs live in the database or in Redis for RQ workers.

Moving to Django 6.x is an import change: `from django.tasks import task`.
"""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task


@task()
def send_email(*, recipients: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail through Django's mail settings; returns the number sent."""
    if not recipients:
        return 0
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


@task()
def clear_expired_sessions() -> int:
    """Delete expired database sessions (cache sessions expire by themselves)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


HOUSEKEEPING = [clear_expired_sessions]


def register_housekeeping(job) -> None:
    """Apps above core add their periodic jobs here from AppConfig.ready()."""
    if job not in HOUSEKEEPING:
        HOUSEKEEPING.append(job)


def enqueue_housekeeping() -> list:
    """Queue the periodic jobs; a scheduler (cron, systemd timer) calls `zhili housekeeping`."""
    return [job.enqueue() for job in HOUSEKEEPING]
