"""Photos of a case: reported with it, or evidence of the work."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import (
    Case,
)
from zhili.cases.models.tasks import (
    CaseTask,
)


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Reported with the case")
    EVIDENCE = "evidence", _("Evidence of the work")


def _photo_path(photo: "CasePhoto", filename: str) -> str:
    return f"cases/{photo.case_id}/{filename}"


class CasePhoto(models.Model):
    """A photo of a case, re-encoded without metadata by zhili.core.images.process_photo.
    The same photo (by its bytes' sha256) is stored once per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    task = models.ForeignKey(
        CaseTask, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    image = models.FileField(_("photo"), upload_to=_photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_photo_path)
    sha256 = models.CharField(max_length=64, editable=False)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_at = models.DateTimeField(_("taken at (camera's claim)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="case_photo_once")]

    def __str__(self):
        return f"{self.case_id} {self.sha256[:12]}"
