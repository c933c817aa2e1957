"""Deadlines counted on a provisional calendar, to count again later."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import Case
from zhili.cases.models.categories import Step
from zhili.cases.models.tasks import CaseTask
from zhili.core.workcalendar import TimeUnit


class ProvisionalDeadline(models.Model):
    """A deadline in force that was counted on the provisional calendar of a year whose holiday
    notice is not known yet (docs/calendar.md), with what it was counted from, so that it can
    be counted again once the year is entered. `task` empty: the case's step deadline; else
    the order's take-by (step "take") or handle-by (step "handle"). A row whose deadline has
    since been replaced (the step moved on) is stale and ignored; the recount removes it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="provisional_deadlines")
    task = models.ForeignKey(
        CaseTask, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    start = models.DateTimeField(_("counted from"))
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)
    due = models.DateTimeField(_("provisional deadline"))
    year = models.PositiveSmallIntegerField(_("provisional year"))

    class Meta:
        verbose_name = _("provisional deadline")
        verbose_name_plural = _("provisional deadlines")
        indexes = [models.Index(fields=["year"], name="provisional_deadline_year")]

    def __str__(self):
        return f"{self.case_id} {self.step} {self.due}"
