import json
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core.errors import Conflict
from zhili.core.fields import EncryptedTextField
from zhili.exports.registry import kind_label


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting in the queue")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


S = ExportStatus
# Which status may follow which; `Export.advance` refuses every other move.
TRANSITIONS: dict[str, set[str]] = {
    S.QUEUED: {S.RUNNING, S.FAILED},
    S.RUNNING: {S.DONE, S.FAILED},
    S.DONE: set(),
    S.FAILED: set(),
}


def export_upload_to(instance: "Export", filename: str) -> str:
    # A random folder per file: names in the store reveal nothing and never collide.
    return f"exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Export(models.Model):
    """A file a user asked for, built in the background and kept in Django's default
    storage (a local folder, or an S3-compatible store) for that user alone to download.

    The parameters are sealed like other personal data: a search may be a phone number.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="exports",
    )
    kind = models.CharField(_("kind"), max_length=40)
    params_json = EncryptedTextField(_("parameters"), blank=True)
    summary = models.CharField(_("contents"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The requesting form's key: a retried or doubled submission finds the same export.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=export_upload_to, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="exports_one_export_per_key",
            ),
        ]

    def __str__(self):
        return f"{kind_label(self.kind)} #{self.pk}"

    @property
    def params(self) -> dict:
        return json.loads(self.params_json) if self.params_json else {}

    @params.setter
    def params(self, value: dict) -> None:
        self.params_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @transaction.atomic
    def advance(self, to: str, **fields) -> None:
        """Move to status `to` under a row lock, setting `fields` with it; raise Conflict
        when TRANSITIONS does not allow the move from the status the row has now (another
        worker got there first)."""
        locked = Export.objects.select_for_update().get(pk=self.pk)
        if to not in TRANSITIONS[locked.status]:
            raise Conflict()
        fields["status"] = to
        for name, value in fields.items():
            setattr(locked, name, value)
            setattr(self, name, value)
        locked.save(update_fields=list(fields))
