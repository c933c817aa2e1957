"""Cases: their statuses and the moves between them, the facts their orders copy, and who follows
them."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from zhili.cases.models.categories import Category, Step, Urgency
from zhili.core.fields import EncryptedTextField
from zhili.places.models import Place

if TYPE_CHECKING:
    from zhili.cases.models.tasks import CaseTask


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DISPATCHED = "dispatched", _("With the departments")
    HANDLED = "handled", _("Handled, awaiting verification")
    VERIFIED = "verified", _("Verified, awaiting closure")
    CLOSED = "closed", _("Closed")
    ON_HOLD = "on_hold", _("On hold")
    VOIDED = "voided", _("Voided")


CS = CaseStatus
# Which status may follow which. Every move goes through services.common.move_case, which
# refuses others.
CASE_TRANSITIONS: dict[str, set[str]] = {
    CS.REPORTED: {CS.ACCEPTED, CS.REJECTED, CS.VOIDED},
    CS.ACCEPTED: {CS.DISPATCHED, CS.ON_HOLD, CS.VOIDED},
    # Back to ACCEPTED when every department returned its order: the centre re-dispatches.
    CS.DISPATCHED: {CS.HANDLED, CS.ACCEPTED, CS.ON_HOLD, CS.VOIDED},
    CS.HANDLED: {CS.VERIFIED, CS.DISPATCHED},  # verified, or sent back for rework
    CS.VERIFIED: {CS.CLOSED, CS.DISPATCHED},
    CS.CLOSED: {CS.ACCEPTED},  # reopened by its reporter: back to the centre as rework
    CS.ON_HOLD: {CS.ACCEPTED, CS.VOIDED},
    CS.REJECTED: set(),
    CS.VOIDED: set(),
}
OPEN_STATUSES = {CS.REPORTED, CS.ACCEPTED, CS.DISPATCHED, CS.HANDLED, CS.VERIFIED, CS.ON_HOLD}
# The statuses each act starts from, who may do it and where it leads: one row per act in
# zhili/cases/act_rules.py (ACT_RULES), read by the services and by the pages' offers.


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Channel(models.TextChoices):
    COURIER = "courier", _("Courier's whistle")
    RESIDENT = "resident", _("Resident")
    GRID = "grid", _("Grid officer")
    CENTRE = "centre", _("The centre's own finding")
    API = "api", _("API client")


# The case's facts each of its department tasks carries (CaseTask.case_*), so that the
# bulletin counts a department's tasks from the task table alone, without a join to a
# million cases (docs/metrics.md, "Indexes the bulletin relies on"). The Case fields they
# come from; the copies are kept equal by the models themselves: a new task copies its case
# (CaseTask.save), and a case whose facts change passes them on to its tasks in the same
# transaction (Case.save and Case.objects.update). Writers that bypass both (bulk_create,
# bulk_update, raw SQL: the demo, bench/gen_cases.py) fill them with case_facts().
CASE_FACT_SOURCES = frozenset(
    {"place_path", "status", "closed_at", "close_deadline", "rating", "rated_at"}
)


def case_facts(case: "Case") -> dict:
    """The values of CaseTask's copied fields for a task of `case`."""
    return {
        "case_place_path": case.place_path,
        # The closure counts while the case is closed: a reopened case is closed no more.
        "case_closed_at": case.closed_at if case.status == CaseStatus.CLOSED else None,
        "case_close_deadline": case.close_deadline,
        "case_rating": case.rating,
        "case_rated_at": case.rated_at,
    }


def copy_case_facts(tasks: "models.QuerySet[CaseTask]") -> int:
    """Set the copied fields of `tasks` from their cases, in one UPDATE (for writes that
    bypass Case.save, and for the migration that introduced the copies)."""

    def of_case(field: str, **only):
        return Subquery(
            Case.objects.filter(pk=OuterRef("case_id"), **only).values(field)[:1],
            output_field=Case._meta.get_field(field),
        )

    return tasks.update(
        case_place_path=of_case("place_path"),
        case_closed_at=of_case("closed_at", status=CaseStatus.CLOSED),
        case_close_deadline=of_case("close_deadline"),
        case_rating=of_case("rating"),
        case_rated_at=of_case("rated_at"),
    )


def _tasks(**lookup) -> "models.QuerySet[CaseTask]":
    """CaseTask.objects.filter(**lookup). models/tasks.py imports this module (an order names
    its case), so CaseTask is imported here when first needed, not at the top."""
    from zhili.cases.models.tasks import CaseTask

    return CaseTask.objects.filter(**lookup)


class CaseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """QuerySet.update, passing changed facts on to the cases' tasks (see case_facts)."""
        if not CASE_FACT_SOURCES.intersection(kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            # Read first: the update may move the cases out of the filter.
            ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            for start in range(0, len(ids), 500):
                copy_case_facts(_tasks(case_id__in=ids[start : start + 500]))
        return count


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("description"))
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="cases"
    )
    # The place's path, copied so that scope filters need no join on the hot pages.
    place_path = models.CharField(max_length=255, db_index=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CaseStatus.choices,
        default=CaseStatus.REPORTED,
        db_index=True,
    )
    # Bumped by every move: a page that shows version N and posts a change is told when the
    # case has moved on meanwhile (two dispatchers at once: one wins, the other is told).
    version = models.PositiveIntegerField(default=1, editable=False)
    step = models.CharField(_("current step"), max_length=10, choices=Step.choices, blank=True)
    step_deadline = models.DateTimeField(
        _("current deadline"), null=True, blank=True, db_index=True
    )
    coordinated = models.BooleanField(_("coordinated by the street"), default=False)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_deadline = models.DateTimeField(_("due to close by"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)  # of a rejection, hold or voiding
    hold_until = models.DateField(_("review date"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)
    # Times the centre moved the case to other departments (改派), counted in the bulletin.
    reassign_count = models.PositiveSmallIntegerField(_("reassignments"), default=0)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Set at the report when an open case of the same category lies close by (see
    # selectors.find_duplicates); the centre decides whether to merge.
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "step_deadline"]),
            # The centre's queue (the workbench: open cases, the most urgent deadline first):
            # its first page, its count and the map's points read this index of the open
            # cases alone (the place path included for the scope filter), never the table of
            # every case ever closed.
            models.Index(
                fields=["step_deadline", "-reported_at", "-id"],
                include=["place_path"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_queue",
            ),
            # The same for the map's points (the open cases with a point): without it the
            # planner, taking "open" and "has a point" for independent, sorts them all.
            models.Index(
                fields=["step_deadline", "-reported_at", "-id"],
                include=["place_path"],
                condition=Q(
                    status__in=sorted(OPEN_STATUSES),
                    longitude__isnull=False,
                    latitude__isnull=False,
                ),
                name="case_open_map",
            ),
            # The duplicate check's bounding box: one category, a latitude band.
            models.Index(fields=["category", "latitude", "longitude"], name="case_category_point"),
            # Cases closed lately (the street's coordination view).
            models.Index(fields=["closed_at"], name="case_closed_at"),
        ]

    def __str__(self):
        return f"{self.number} {self.category}"

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if self._state.adding or not CASE_FACT_SOURCES.intersection(fields or CASE_FACT_SOURCES):
            super().save(*args, **kwargs)  # no tasks yet, or no fact saved
        else:
            with transaction.atomic(savepoint=False):
                super().save(*args, **kwargs)
                facts = case_facts(self)
                if facts != getattr(self, "_stored_facts", None):
                    _tasks(case_id=self.pk).update(**facts)
        if fields is None or CASE_FACT_SOURCES.intersection(fields):
            self._stored_facts = case_facts(self)

    @classmethod
    def from_db(cls, db, field_names, values):
        case = super().from_db(db, field_names, values)
        # The facts as stored, to pass them on only when they change (None: not all loaded).
        loaded = CASE_FACT_SOURCES.issubset(field_names)
        case._stored_facts = case_facts(case) if loaded else None
        return case

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseFollower(models.Model):
    """Someone who follows a case's progress: its reporter, and the reporters of the cases
    merged into it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_follower_once")]
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self):
        return f"{self.case_id} {self.user_id}"
