"""Receipts of the fast intake, before and after they are filed as cases."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import (
    Case,
)


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be filed")
    FILED = "filed", _("Filed")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Could not be filed")


class Receipt(models.Model):
    """A report taken in by the fast intake (POST /api/v1/reports) and not yet, or already,
    filed as a case by the background filer (services/intake.py). The report is kept here as
    it was sent, so nothing is lost between the answer and the filing; its status then tells
    the reporter the case number, or the field errors that refused it."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    payload = models.JSONField(_("report as sent"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"))
    decided_at = models.DateTimeField(_("filed or refused at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report receipt")
        verbose_name_plural = _("report receipts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="receipt_idempotency",
            ),
        ]
        # The filer's queue: the pending receipts, oldest first, and nothing else.
        indexes = [
            models.Index(fields=["id"], condition=Q(status="pending"), name="receipt_pending"),
        ]

    def __str__(self):
        return f"{self.pk} {self.status}"
