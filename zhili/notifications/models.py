"""The inbox and the sweep's memory: what each user was told, and which escalations and
deadline warnings have been sent already (so that none is sent twice)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.cases.models import Case, CaseTask, Step


def case_url(case_id: int) -> str:
    """The case's page."""
    return reverse("cases:detail", args=[case_id])


# The rating form on the case page (cases/detail.html gives each act's box the id act-<name>).
RATING_ANCHOR = "#act-rate"


class NotificationKind(models.TextChoices):
    NEW_TASK = "new_task", _("New task")
    DEADLINE_NEAR = "deadline_near", _("Deadline near")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    RETURNED = "returned", _("Returned")
    REWORK = "rework", _("Rework")
    VERIFY = "verify", _("To verify")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")
    EXTENSION = "extension", _("Extension")
    WITHDRAWN = "withdrawn", _("Order withdrawn")
    DEADLINE_MOVED = "deadline_moved", _("Deadline counted again")
    OBJECTION = "objection", _("Objection to an order")
    # The reporter's own business, step by step (issue 11).
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    HANDLED = "handled", _("Handled")
    VERIFIED = "verified", _("Verified")
    REOPENED = "reopened", _("Reopened")
    COORDINATION = "coordination", _("Sent to the street")


class Notification(models.Model):
    """One message in one user's inbox. Title and body are written once, when the event
    happens, in the recipient's language, so the inbox needs no joins to show them."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications"
    )
    task = models.ForeignKey(
        CaseTask,
        verbose_name=_("department task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The top bar's badge on every page: a count over this small partial index only.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def case_url(self) -> str:
        """The case's page; for a closed case, at its rating form (the return visit)."""
        if self.kind == NotificationKind.CLOSED:
            return case_url(self.case_id) + RATING_ANCHOR
        return case_url(self.case_id)


class Escalation(models.Model):
    """An overdue step reported up one level: level 1 to the centre, level 2 to the street.

    One row per (case, step, deadline, level), enforced by the database: the sweep inserts
    the row and notifies only if the insert was its own, so a sweep run twice, or two sweeps
    at once, never tell anyone twice. A new deadline (re-dispatch, rework, extension) is a new
    step to be late on, and escalates afresh.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    deadline = models.DateTimeField(_("deadline"))
    level = models.PositiveSmallIntegerField(_("level"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # The sweep that inserted the row: how a sweep knows which of its inserts won.
    run = models.UUIDField(editable=False, db_index=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step", "deadline", "level"], name="escalation_once_per_level"
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.step} L{self.level}"


class DeadlineWarning(models.Model):
    """A "deadline near" notice sent for one task's deadline (once per deadline)."""

    task = models.ForeignKey(CaseTask, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    run = models.UUIDField(editable=False, db_index=True)

    class Meta:
        verbose_name = _("deadline warning")
        verbose_name_plural = _("deadline warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "step", "deadline"], name="deadline_warning_once"
            )
        ]

    def __str__(self):
        return f"{self.task_id} {self.step} {self.deadline:%Y-%m-%d %H:%M}"
