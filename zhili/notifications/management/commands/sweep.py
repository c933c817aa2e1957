from django.core.management.base import BaseCommand

from zhili.notifications.sweep import grace_hours, sweep


class Command(BaseCommand):
    help = (
        "Escalate overdue case steps (the centre, then the street) and announce deadlines "
        "due within the next working hour. Run it every 5 minutes from cron or a systemd "
        "timer; running it again, or twice at once, tells nobody twice."
    )

    def handle(self, *args, **options):
        report = sweep()
        self.stdout.write(
            f"overdue steps reported to the centre: {report.overdue}\n"
            f"steps escalated to the street (after {grace_hours()} working hours): "
            f"{report.escalated}\n"
            f"near deadlines announced: {report.deadline_near}\n"
            f"notifications written: {report.notifications}"
        )
