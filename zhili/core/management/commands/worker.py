from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run a background worker for the configured TASKS_BACKEND "
        "(database: db_worker; rq: rqworker). Run as many as the load needs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true", help="process what is queued, then stop"
        )

    def handle(self, *args, burst=False, **options):
        if settings.TASKS_BACKEND == "rq":
            # The scheduler moves jobs queued with run_after (webhook retries) onto the queue
            # when their time comes.
            rq_args = ["default", "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
            call_command("rqworker", *rq_args, *(["--burst"] if burst else []))
        elif settings.TASKS_BACKEND == "database":
            call_command("db_worker", "--no-reload", *(["--batch"] if burst else []))
        else:
            self.stdout.write("TASKS_BACKEND=immediate runs tasks inline; no worker needed.")
