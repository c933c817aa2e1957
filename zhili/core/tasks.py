"""Background work, through the tasks API (the django-tasks backport of Django 6's
django.tasks). Code enqueues with `.enqueue(...)` and never names a queue or a backend:
settings.TASKS decides whether jobs live in the database or in Redis for RQ workers.

Moving to Django 6.x is an import change: `from django.tasks import task`.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


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


HOUSEKEEPING_EVERY = 3600  # seconds
# Jobs queued more often than hourly, with their period in seconds (the overdue sweep, every
# 5 minutes); apps register them from AppConfig.ready(), as they do housekeeping.
FREQUENT: list[tuple] = []


def register_frequent(job, *, every: int) -> None:
    """Have `zhili worker --schedule` queue `job` every `every` seconds."""
    if all(known is not job for known, _every in FREQUENT):
        FREQUENT.append((job, every))


class Scheduler:
    """Queues the periodic jobs on time from inside `zhili worker --schedule`, for a small
    deployment that runs no cron or systemd timers (and for the demo): each frequent job every
    its period and the housekeeping jobs hourly, all of them at the start. A job due twice at
    once (the sweep is a housekeeping job too) is queued once. After a pause (a long tick, a
    suspended machine) a job is queued once, not once per period missed.

    `clock` gives seconds on a monotonic clock and `enqueue` queues one job; tests pass their
    own. A job that cannot be queued (the database is busy) is logged and tried again at its
    next time: the scheduler itself never stops the worker."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        enqueue: Callable | None = None,
    ):
        self.clock, self.enqueue = clock, enqueue or _enqueue
        self.next_at: dict[int, float] = {}  # a plan line's index: when it is due next

    @staticmethod
    def plan() -> list[tuple[list, int]]:
        """(jobs, period in seconds): housekeeping, then each frequent job."""
        return [(HOUSEKEEPING, HOUSEKEEPING_EVERY), *(([job], every) for job, every in FREQUENT)]

    def tick(self) -> list:
        """Queue the jobs due now; returns what `enqueue` returned for each."""
        now = self.clock()
        due: list = []
        for line, (jobs, every) in enumerate(self.plan()):
            at = self.next_at.get(line, now)
            if at <= now:
                due += [job for job in jobs if all(job is not d for d in due)]
                self.next_at[line] = at + every * (1 + (now - at) // every)
        queued = []
        for job in due:
            try:
                queued.append(self.enqueue(job))
            except Exception:  # the next tick tries again; the worker goes on
                log.exception("could not queue %s", getattr(job, "name", job))
        return queued

    def seconds_to_next(self) -> float:
        return max(0.0, min(self.next_at.values(), default=0.0) - self.clock())

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop` is set, waiting on it between ticks."""
        while not stop.is_set():
            self.tick()
            stop.wait(self.seconds_to_next())


def _enqueue(job):
    """Queue `job` from the scheduler's thread, which has its own database connection: it
    is closed when it is past its age or broken, as Django does after a request."""
    try:
        return job.enqueue()
    finally:
        close_old_connections()
