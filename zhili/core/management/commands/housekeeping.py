from django.core.management.base import BaseCommand

from zhili.core.tasks import enqueue_housekeeping


class Command(BaseCommand):
    help = "Queue the periodic housekeeping jobs (run it hourly from cron or a systemd timer)."

    def handle(self, *args, **options):
        for result in enqueue_housekeeping():
            self.stdout.write(f"queued {result.task.name} ({result.id})")
