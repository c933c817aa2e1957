"""The fast intake: a report is taken into one row (a Receipt) and answered at once; the filer,
a background task, then files it as a case through report_case, as the report form does.

Why: filing a case places the point in its grid, looks for duplicates nearby, writes the case,
its follower, its timeline, its audit record and its webhook outbox: some twenty statements.
A burst of reports (a storm, a festival night, a courier app's queue flushed after a dead
zone) is taken in at the rate of one row each and filed as fast as the filer can, in order,
with nothing lost: the receipt keeps the report as it was sent until it is filed or refused.

The rules:
- Taking in checks who may report (cases.report) and everything that needs no map: the
  category, the description, the urgency, that a location is given, the answers to the
  category's questions. Those errors come back at once, and nothing is kept.
- The same Idempotency-Key from the same reporter is the same receipt, however often it is
  sent; the filer passes the key on to report_case, so a report sent both here and to
  POST /api/v1/cases is one case.
- Filing sees what taking in could not (a point outside every place, an unknown place, a
  reporter who lost the role meanwhile): the receipt is then "refused" with field errors.
  The case's clock starts at the receipt's time, not the filing's.
- Each receipt is filed in its own transaction, claimed with a row lock that other filers
  skip, so two filers never file one receipt twice. A filer that crashes on a receipt leaves
  it pending for the next run; after MAX_ATTEMPTS such crashes it is "failed" and the
  administrators see it in the admin.
- A filer that finds more than a batch waiting queues INTAKE_FILERS - 1 helpers that file
  beside it (each worker process files one at a time).
- After each receipt's commit a filer is queued, at most one at a time when the cache is
  shared (Redis): a flag in the cache says one is queued, and the filer clears it before it
  looks, so a report taken in after the filer looked always queues another. With a cache
  of this process alone, every receipt queues a filer (they find nothing left and stop).
  Housekeeping runs the filer too, for a job lost to a restart.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhili.audit.services import record_audit
from zhili.cases.models import Category, Receipt, ReceiptStatus, Urgency
from zhili.cases.services.report import check_report_fields, named_place, report_case
from zhili.core import permissions, rawsql
from zhili.core.errors import DomainError, InvalidInput
from zhili.core.permissions import Cap

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FAILED_MESSAGE = gettext_noop(
    "This report could not be filed because of a fault; the administrators can see it. "
    "If it is urgent, please call the centre."
)
# The cache flag "a filer is queued"; it lapses by itself should the job be lost.
FILER_QUEUED = "cases:intake:filer-queued"
FILER_QUEUED_FOR = 60  # seconds
BATCH = 100

# The fields of a report as the API's clients send them, with their defaults.
FIELDS = {
    "category_id": None,
    "description": "",
    "urgency": Urgency.NORMAL,
    "longitude": None,
    "latitude": None,
    "place_id": None,
    "address": "",
    "attributes": {},
}


def receive_report(*, actor, report: dict, idempotency_key: str = "") -> tuple[Receipt, bool]:
    """Take a report in. Who may: anyone holding cases.report, signed in (the receipt is
    theirs to follow). Returns the receipt and whether it is new; an Idempotency-Key seen
    before from this reporter returns that first receipt, whatever became of it.
    `report` holds FIELDS (what the client sent, typed); errors that need no map are raised
    as InvalidInput here, under report_case's field names (the API renames them)."""
    permissions.require(actor, Cap.CASES_REPORT)
    key = (idempotency_key or "").strip()[:64]
    values = {name: report.get(name, default) for name, default in FIELDS.items()}
    category_id = values["category_id"]
    category = (
        rawsql.load_by_pk(Category, category_id, ("id", "name", "is_active", "attributes"))
        if isinstance(category_id, int)
        else None
    )
    description, answers, errors = check_report_fields(
        category=category,
        description=values["description"],
        urgency=values["urgency"],
        answers=values["attributes"],
        located=(values["longitude"] is not None and values["latitude"] is not None)
        or values["place_id"] is not None,
    )
    if errors:
        raise InvalidInput(fields=errors)
    values.update(description=description, attributes=answers)
    receipt = Receipt(
        reporter=actor, idempotency_key=key, payload=values, received_at=timezone.now()
    )
    if not _insert_once(receipt):
        return Receipt.objects.get(reporter=actor, idempotency_key=key), False
    transaction.on_commit(queue_filer)
    return receipt, True


def _insert_once(receipt: Receipt) -> bool:
    """Insert the receipt; False when its idempotency key is already taken. Outside a
    transaction the INSERT is its own (one round trip); inside one, a savepoint keeps the
    caller's transaction usable after the collision."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                receipt.save(force_insert=True)
        else:
            receipt.save(force_insert=True)
    except IntegrityError:
        if not receipt.idempotency_key:
            raise
        return False
    return True


def _shared_cache() -> bool:
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def queue_filer() -> None:
    """Queue the filer unless one is queued already (see the module's notes)."""
    from zhili.cases.tasks import file_reports  # tasks call back into this module

    if _shared_cache() and not caches["default"].add(FILER_QUEUED, 1, FILER_QUEUED_FOR):
        return
    file_reports.enqueue()


def file_pending(*, helper: bool = False) -> dict[str, int]:
    """The filer: file every pending receipt, oldest first; returns the count of each outcome.
    Receipts another filer holds are skipped (it files them); one taken in after this run
    looked queues a run of its own. Meeting more than a batch, the filer queues
    INTAKE_FILERS - 1 helpers, which file the same backlog beside it (a helper queues none)."""
    from zhili.cases.tasks import file_reports

    if not helper:
        caches["default"].delete(FILER_QUEUED)
        helpers = settings.INTAKE_FILERS - 1
        if helpers and _backlog_exceeds(BATCH):
            for _ in range(helpers):
                file_reports.enqueue(helper=True)
    outcomes = dict.fromkeys(ReceiptStatus.values, 0)
    after = 0
    while True:
        batch = list(
            Receipt.objects.filter(status=ReceiptStatus.PENDING, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return outcomes
        for pk in batch:
            outcome = file_receipt(pk)
            if outcome is not None:
                outcomes[outcome] += 1
        after = batch[-1]


def _backlog_exceeds(count: int) -> bool:
    return Receipt.objects.filter(status=ReceiptStatus.PENDING)[count : count + 1].exists()


def file_receipt(pk: int) -> str | None:
    """File one receipt; returns its new status, or None if it was not pending or another
    filer holds it (or it failed and will be tried again)."""
    try:
        return _file(pk)
    except Exception:  # a bug or an outage: keep the report, count the attempt, go on
        log.exception("filing receipt %s failed", pk)
        return _count_failure(pk)


@transaction.atomic
def _count_failure(pk: int) -> str | None:
    receipt = (
        Receipt.objects.select_for_update(skip_locked=True)
        .filter(pk=pk, status=ReceiptStatus.PENDING)
        .first()
    )
    if receipt is None:
        return None
    receipt.attempts += 1
    if receipt.attempts < MAX_ATTEMPTS:
        receipt.save(update_fields=["attempts"])
        return None
    errors = {"code": "failed", "message": _(FAILED_MESSAGE), "fields": {}}
    _decide(receipt, ReceiptStatus.FAILED, errors=errors)
    return receipt.status


def _decide(receipt: Receipt, status: str, *, case=None, errors=None) -> None:
    """Record the outcome; a refusal or a failure is audited (a filing is, by its case)."""
    receipt.status, receipt.case, receipt.errors = status, case, errors or {}
    receipt.decided_at = timezone.now()
    receipt.save(update_fields=["status", "case", "errors", "decided_at", "attempts"])
    if status != ReceiptStatus.FILED:
        record_audit(
            actor=receipt.reporter,
            action=f"receipt.{'refuse' if status == ReceiptStatus.REFUSED else 'fail'}",
            obj=receipt,
            changes={"status": [ReceiptStatus.PENDING, status], "errors": [None, receipt.errors]},
        )


@transaction.atomic
def _file(pk: int) -> str | None:
    receipt = (
        # Only the receipt's row: locking its reporter too would make two filers skip each
        # other's next receipts of one reporter.
        Receipt.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("reporter")
        .filter(pk=pk, status=ReceiptStatus.PENDING)
        .first()
    )
    if receipt is None:
        return None
    values = receipt.payload
    try:
        case = report_case(
            actor=receipt.reporter,
            category=Category.objects.filter(pk=values.get("category_id")).first(),
            description=values.get("description", ""),
            urgency=values.get("urgency", Urgency.NORMAL),
            longitude=values.get("longitude"),
            latitude=values.get("latitude"),
            place=named_place(values.get("place_id")),
            address=values.get("address", ""),
            answers=values.get("attributes") or {},
            idempotency_key=receipt.idempotency_key,
            reported_at=receipt.received_at,
        )
    except DomainError as exc:  # refused: invalid now, or the reporter may report no more
        _decide(receipt, ReceiptStatus.REFUSED, errors=exc.as_dict())
    else:
        _decide(receipt, ReceiptStatus.FILED, case=case)
    return receipt.status


@transaction.atomic
def retry_failed(*, actor, receipts) -> int:
    """Put failed receipts back in the filer's queue (after the fault is fixed); returns how
    many. Who may: whoever manages the integrations (integrations.manage)."""
    permissions.require(actor, Cap.INTEGRATIONS_MANAGE)
    again = list(
        Receipt.objects.select_for_update()
        .filter(pk__in=[r.pk for r in receipts], status=ReceiptStatus.FAILED)
        .order_by("pk")
    )
    for receipt in again:
        receipt.status, receipt.attempts, receipt.errors, receipt.decided_at = (
            ReceiptStatus.PENDING,
            0,
            {},
            None,
        )
        receipt.save(update_fields=["status", "attempts", "errors", "decided_at"])
        record_audit(
            actor=actor,
            action="receipt.retry",
            obj=receipt,
            changes={"status": [ReceiptStatus.FAILED, ReceiptStatus.PENDING]},
        )
    if again:
        transaction.on_commit(queue_filer)
    return len(again)


def receipt_for(actor, pk: int) -> Receipt | None:
    """The actor's own receipt with this id, or None (someone else's is not found either)."""
    if not getattr(actor, "pk", None):
        return None
    return Receipt.objects.select_related("case").filter(pk=pk, reporter=actor).first()
