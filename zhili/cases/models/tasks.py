"""Department orders on a case (CaseTask): their statuses, extensions and objections, and the moves
between them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import (
    Case,
    case_facts,
)
from zhili.orgs.models import Department


class TaskRole(models.TextChoices):
    LEAD = "lead", _("Lead department")
    CO = "co", _("Co-department")


class TaskStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Awaiting the department")
    TAKEN = "taken", _("Taken")
    RETURNED = "returned", _("Returned as not its remit")
    HANDLED = "handled", _("Handled")
    VERIFIED = "verified", _("Verified")
    CANCELLED = "cancelled", _("Cancelled")


TS = TaskStatus
TASK_TRANSITIONS: dict[str, set[str]] = {
    TS.DISPATCHED: {TS.TAKEN, TS.RETURNED, TS.CANCELLED},
    TS.TAKEN: {TS.HANDLED, TS.CANCELLED},
    TS.HANDLED: {TS.VERIFIED, TS.TAKEN, TS.CANCELLED},  # verified, or rework
    # Rework after verification, before closure; cancelled when a closed case is reopened.
    TS.VERIFIED: {TS.TAKEN, TS.CANCELLED},
    TS.RETURNED: set(),
    TS.CANCELLED: set(),
}
LIVE_TASK_STATUSES = {TS.DISPATCHED, TS.TAKEN, TS.HANDLED, TS.VERIFIED}


class ExtensionStatus(models.TextChoices):
    NONE = "none", _("No extension asked")
    PENDING = "pending", _("Extension awaiting the centre")
    GRANTED = "granted", _("Extension granted")
    REFUSED = "refused", _("Extension refused")


class ObjectionStatus(models.TextChoices):
    NONE = "none", _("No objection")
    PENDING = "pending", _("Objection awaiting the centre")
    KEPT = "kept", _("Objection refused: the order stands")
    UPHELD = "upheld", _("Objection upheld: the order taken back")


# A department objects once to an order (派单异议); the centre keeps it or takes it back.
OBJECTION_TRANSITIONS: dict[str, set[str]] = {
    ObjectionStatus.NONE: {ObjectionStatus.PENDING},
    ObjectionStatus.PENDING: {ObjectionStatus.KEPT, ObjectionStatus.UPHELD},
    ObjectionStatus.KEPT: set(),
    ObjectionStatus.UPHELD: set(),
}

ES = ExtensionStatus
# A task has at most one request pending; after the centre's answer it may ask again.
EXTENSION_TRANSITIONS: dict[str, set[str]] = {
    ES.NONE: {ES.PENDING},
    ES.PENDING: {ES.GRANTED, ES.REFUSED},
    ES.GRANTED: {ES.PENDING},
    ES.REFUSED: {ES.PENDING},
}


class CaseTask(models.Model):
    """One department's order on a case (the lead's, or a co-department's)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="case_tasks",
    )
    role = models.CharField(_("role"), max_length=4, choices=TaskRole.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TaskStatus.choices,
        default=TaskStatus.DISPATCHED,
        db_index=True,
    )
    dispatched_at = models.DateTimeField(_("dispatched at"))
    take_deadline = models.DateTimeField(_("take by"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handle_deadline = models.DateTimeField(_("handle by"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)
    # The department's request for more time (延期), answered by the centre.
    extension_requested_until = models.DateTimeField(
        _("extension asked until"), null=True, blank=True
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extension_status = models.CharField(
        _("extension"),
        max_length=8,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.NONE,
        db_index=True,
    )
    extension_count = models.PositiveSmallIntegerField(_("extensions granted"), default=0)
    # The department's objection to the order (派单异议), reviewed by the centre.
    objection_status = models.CharField(
        _("objection"),
        max_length=8,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.NONE,
        db_index=True,
    )
    objection_reason = models.TextField(_("reason for the objection"), blank=True)
    objected_at = models.DateTimeField(_("objected at"), null=True, blank=True)
    objection_answer = models.TextField(_("the centre's answer"), blank=True)
    # When the centre moved the order to other departments (改派: a reassignment that left
    # the department off the case, or its objection upheld).
    reassigned_at = models.DateTimeField(_("reassigned at"), null=True, blank=True)
    # Copies of the case's facts for the bulletin (case_facts; CASE_FACT_SOURCES says why).
    case_place_path = models.CharField(max_length=255, editable=False, default="")
    case_closed_at = models.DateTimeField(null=True, editable=False)  # while it is closed
    case_close_deadline = models.DateTimeField(null=True, editable=False)
    case_rating = models.CharField(max_length=12, editable=False, default="")
    case_rated_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("department task")
        verbose_name_plural = _("department tasks")
        ordering = ["case", "role", "id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            # The bulletin's cohorts: dispatched, handled, and due in a period.
            models.Index(fields=["dispatched_at"], name="casetask_dispatched_at"),
            models.Index(fields=["handled_at"], name="casetask_handled_at"),
            models.Index(Coalesce("handle_deadline", "take_deadline"), name="casetask_deadline"),
            models.Index(fields=["case_rated_at"], name="casetask_case_rated_at"),
        ]

    def __str__(self):
        return f"{self.case.number} · {self.department.short_name}"

    def save(self, *args, **kwargs):
        if self._state.adding:  # a new order carries its case's facts
            for name, value in case_facts(self.case).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)
