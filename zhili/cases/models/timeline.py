"""A case's timeline: one entry per step."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import (
    Case,
)
from zhili.cases.models.tasks import (
    CaseTask,
)


class CaseEvent(models.Model):
    """One step on a case's timeline: who moved it, from what to what, when, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(
        CaseTask, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("time"), db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.actor_label}"
