"""The case loop's data: categories with their time limits, cases, department tasks and the
timeline. The rules (who may move what where) live in services/; the allowed moves are the
tables CASE_TRANSITIONS and TASK_TRANSITIONS here, read by one function per model."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from zhili.core.errors import Conflict
from zhili.core.fields import EncryptedTextField
from zhili.core.workcalendar import TimeUnit
from zhili.orgs.models import Department
from zhili.places.models import Place


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Step(models.TextChoices):
    """The clocked steps of the loop; each has a time limit per category and urgency."""

    ACCEPT = "accept", _("Accept or reject")
    DISPATCH = "dispatch", _("Dispatch")
    TAKE = "take", _("Take the order")
    HANDLE = "handle", _("Handle")
    VERIFY = "verify", _("Verify on the spot")
    # From the departments' report to closure (verify and close): sets Case.close_deadline.
    CLOSE = "close", _("Verify and close")


class Category(models.Model):
    """A kind of problem (治安隐患, 高空抛物 …): routes to a lead department and sets the clocks.

    `attributes` are the extra questions the report form asks, a list of
    {"code", "label", "datatype": "string|number|text|singlevaluelist|multivaluelist",
     "required", "values": [{"key", "name"}]} (the shape Open311 service definitions use).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    default_lead = models.ForeignKey(
        Department,
        verbose_name=_("default lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attributes = models.JSONField(_("extra questions"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return self.name


class TimeLimit(models.Model):
    """How long a step may take for a category at an urgency, e.g. handle within 3 working days."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="time_limits")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "step"], name="time_limit_unique"
            )
        ]

    def __str__(self):
        return (
            f"{self.category} · {self.get_step_display()} · {self.amount} {self.get_unit_display()}"
        )


class Route(models.Model):
    """A place's own lead department for a category, overriding the category's default."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        constraints = [models.UniqueConstraint(fields=["category", "place"], name="route_unique")]

    def __str__(self):
        return f"{self.category} · {self.place} → {self.lead}"


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
                copy_case_facts(CaseTask.objects.filter(case_id__in=ids[start : start + 500]))
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
                    CaseTask.objects.filter(case_id=self.pk).update(**facts)
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


def refuse_unless_allowed(table: dict[str, set[str]], current: str, target: str, label) -> None:
    """The one check of the state machines: a move the table lacks is a Conflict naming both.
    A case's and a task's statuses share some codes ("dispatched"), so the status is named
    from the case's choices for the case table and from the task's otherwise."""
    if target not in table.get(current, set()):
        names = dict((CaseStatus if table is CASE_TRANSITIONS else TaskStatus).choices)
        raise Conflict(
            _("This cannot be done now: the %(what)s is “%(current)s”.")
            % {"what": label, "current": names.get(current, current)}
        )
