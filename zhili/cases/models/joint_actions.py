"""Joint enforcement actions (联合执法) and the cases they dealt with."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import (
    Case,
)
from zhili.orgs.models import Department
from zhili.places.models import Place


class JointAction(models.Model):
    """A joint enforcement action (联合执法) called by the street: which departments went
    where on which day, the cases it dealt with, and how many it solved."""

    date = models.DateField(_("date"))
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, db_index=True, editable=False)
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), related_name="joint_actions"
    )
    cases = models.ManyToManyField(
        Case, verbose_name=_("cases"), blank=True, related_name="joint_actions"
    )
    cases_solved = models.PositiveIntegerField(_("cases solved"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("joint enforcement action")
        verbose_name_plural = _("joint enforcement actions")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.place}"
