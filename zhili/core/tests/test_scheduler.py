"""`zhili worker --schedule`: the sweep queued every 5 minutes and housekeeping hourly, from
inside the worker, on a clock the tests turn by hand."""

import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from zhili.core import tasks
from zhili.core.management.commands import worker
from zhili.core.tasks import HOUSEKEEPING, Scheduler, clear_expired_sessions
from zhili.notifications.tasks import sweep_overdue

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SWEEP = sweep_overdue.name


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def scheduler(clock: Clock, queued: list, fail: set | None = None) -> Scheduler:
    """A scheduler on `clock` that writes down the name of each job it queues, and refuses
    those named in `fail` (once each)."""

    def enqueue(job):
        if fail and job.name in fail:
            fail.discard(job.name)
            raise RuntimeError("database is locked")
        queued.append(job.name)
        return job.name

    return Scheduler(clock=clock, enqueue=enqueue)


def test_the_sweep_every_five_minutes_and_housekeeping_every_hour():
    clock, queued = Clock(), []
    sched = scheduler(clock, queued)
    housekeeping = [job.name for job in HOUSEKEEPING]
    assert SWEEP in housekeeping  # the safety net: housekeeping queues the sweep too

    # At the start everything, the sweep once although it is due twice.
    sched.tick()
    assert queued == housekeeping
    # Then, ticking every minute for two hours: the sweep at 5, 10, … 120 minutes, and the
    # housekeeping jobs at 60 and 120 minutes, the sweep among them once.
    at_minute = {}
    for minute in range(1, 121):
        clock.now = minute * 60.0
        queued.clear()
        sched.tick()
        if queued:
            at_minute[minute] = list(queued)
    assert sorted(at_minute) == list(range(5, 121, 5))
    for minute, names in at_minute.items():
        assert names == (housekeeping if minute % 60 == 0 else [SWEEP]), minute


def test_after_a_pause_each_job_is_queued_once_and_keeps_its_times():
    clock, queued = Clock(), []
    sched = scheduler(clock, queued)
    sched.tick()
    queued.clear()
    clock.now = 17 * 60.0  # the machine slept through three sweeps
    sched.tick()
    assert queued == [SWEEP]
    assert sched.seconds_to_next() == 3 * 60.0  # the next one at 20 minutes, as planned
    clock.now = 20 * 60.0
    queued.clear()
    sched.tick()
    assert queued == [SWEEP]


def test_a_job_that_cannot_be_queued_is_tried_again_at_its_next_time():
    clock, queued = Clock(), []
    sched = scheduler(clock, queued, fail={SWEEP})
    sched.tick()  # the sweep is refused; the other housekeeping jobs are queued
    assert SWEEP not in queued and clear_expired_sessions.name in queued
    clock.now = 300.0
    queued.clear()
    sched.tick()
    assert queued == [SWEEP]


def test_run_waits_between_ticks_for_the_next_job_until_stopped():
    clock, queued, waits = Clock(), [], []

    class Stop:
        """Stands for the worker's threading.Event: waiting turns the clock."""

        def is_set(self):
            return len(waits) == 4

        def wait(self, seconds):
            waits.append(seconds)
            clock.now += seconds

    scheduler(clock, queued).run(Stop())
    assert waits == [300.0] * 4
    assert queued == [job.name for job in HOUSEKEEPING] + [SWEEP] * 3


@pytest.mark.django_db(transaction=True)  # workers close connections between jobs
@override_settings(TASKS=DB_TASKS)
def test_worker_burst_with_schedule_queues_and_runs_the_sweep_and_housekeeping():
    now = timezone.now()
    Session.objects.create(
        session_key="old", session_data="x", expire_date=now - dt.timedelta(days=1)
    )
    call_command("worker", "--burst", "--schedule")
    done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL)
    paths = list(done.values_list("task_path", flat=True))
    assert paths.count(sweep_overdue.module_path) == 1
    assert sorted(paths) == sorted(job.module_path for job in HOUSEKEEPING)
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_worker_with_schedule_runs_the_scheduler_beside_the_worker_and_stops_it(monkeypatch):
    started, stops = threading.Event(), []

    def run(self, stop):
        stops.append(stop)
        started.set()
        stop.wait(30)

    def db_worker(name, *args):
        assert name == "db_worker" and "--batch" not in args
        assert started.wait(10)  # the scheduler is running while the worker works
        assert not stops[0].is_set()

    monkeypatch.setattr(tasks.Scheduler, "run", run)
    monkeypatch.setattr(worker, "call_command", db_worker)
    call_command("worker", "--schedule")
    assert stops[0].is_set()  # the worker stopped: so did the scheduler
