"""The sweep as a background task (django-tasks), queued hourly by `zhili housekeeping`."""

from django_tasks import task

from zhili.notifications.sweep import sweep


@task()
def sweep_overdue() -> dict:
    """Escalate overdue case steps and announce near deadlines (zhili.notifications.sweep)."""
    return sweep().as_dict()
