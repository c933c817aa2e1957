from django.db import models


class BaselineReport(models.Model):
    """One row per report; its table is created by bench/bench_intake.py (no migrations)."""

    category_id = models.BigIntegerField()
    description = models.TextField()
    urgency = models.CharField(max_length=10)
    longitude = models.FloatField(null=True)
    latitude = models.FloatField(null=True)
    place_id = models.BigIntegerField(null=True)
    address = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField()

    class Meta:
        app_label = "baseline"
        db_table = "bench_baseline_report"

    def __str__(self):
        return f"report {self.pk}"
