import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from zhili.core.tasks import Scheduler


class Command(BaseCommand):
    help = (
        "Run a background worker for the configured TASKS_BACKEND "
        "(database: db_worker; rq: rqworker). Run as many as the load needs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true", help="process what is queued, then stop"
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="also queue the overdue sweep every 5 minutes and the housekeeping jobs "
            "hourly (one worker of a deployment without cron or systemd timers; the demo)",
        )

    def handle(self, *args, burst=False, schedule=False, **options):
        if settings.TASKS_BACKEND == "immediate":
            self.stdout.write("TASKS_BACKEND=immediate runs tasks inline; no worker needed.")
            return
        stop, thread = threading.Event(), None
        if schedule and burst:
            Scheduler().tick()  # what is due at the start, then worked off below
        elif schedule:
            # Beside the worker, in its process: the worker's loop keeps the main thread (and
            # its signal handlers); the scheduler only queues jobs.
            thread = threading.Thread(
                target=_schedule, args=(stop,), name="zhili-scheduler", daemon=True
            )
            thread.start()
        try:
            self._work(burst)
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=5)

    def _work(self, burst: bool) -> None:
        if settings.TASKS_BACKEND == "rq":
            # The scheduler moves jobs queued with run_after (webhook retries) onto the queue
            # when their time comes.
            rq_args = ["default", "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
            call_command("rqworker", *rq_args, *(["--burst"] if burst else []))
        else:
            call_command("db_worker", "--no-reload", *(["--batch"] if burst else []))


def _schedule(stop: threading.Event) -> None:
    try:
        Scheduler().run(stop)
    finally:
        connections.close_all()  # the scheduler thread's own
