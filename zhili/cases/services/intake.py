"""The fast intake: a report is taken into one row (a Receipt) and answered at once; the filer,
a background task, then files it as a case through report_case, as the report form does.

Why: filing a case places the point in its grid, looks for duplicates nearby, writes the case,
its follower, its timeline, its audit record and its webhook outbox: some twenty statements
one at a time, about as many for a batch of fifty filed together.
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
- Receipts are filed FILE_TOGETHER at a time, in one transaction (services/filing.py: the
  same steps as report_case, the same rows), claimed with row locks that other filers skip,
  so two filers never file one receipt twice. A batch that fails is filed again one receipt
  at a time, each in its own transaction: a filer that crashes on a receipt leaves just that
  one pending for the next run; after MAX_ATTEMPTS such crashes it is "failed" and the
  administrators see it in the admin.
- A filer that finds more than a batch waiting queues INTAKE_FILERS - 1 helpers that file
  beside it (each worker process files one at a time).
- While reports come in faster than INTAKE_YIELD_ABOVE a second, filers wait (ArrivalGauge):
  a burst is taken in first and filed after.
- After each receipt's commit a filer is queued, at most one at a time when the cache is
  shared (Redis): a flag in the cache says one is queued, and the filer clears it before it
  looks, so a report taken in after the filer looked always queues another. A process that
  checked the flag less than half a second ago does not ask again; every filer looks for
  a second after it starts, so it still sees what such a process takes in. With a cache
  of this process alone, every receipt queues a filer (they find nothing left and stop).
  Housekeeping runs the filer too, for a job lost to a restart.
"""

import datetime as dt
import logging
import time
from functools import partial

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhili.audit.services import record_audit
from zhili.cases.models import Category, Receipt, ReceiptStatus, Urgency
from zhili.cases.services.filing import decide, file_together
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
HELPERS_QUEUED = "cases:intake:helpers-queued"
ASSURED_FOR = 0.5  # seconds (queue_filer)
# The filer files this many receipts together (services/filing.py), and looks at the arrival
# rate before each such batch: while reports come faster than INTAKE_YIELD_ABOVE a second
# it waits YIELD_PAUSE seconds at a time, at most YIELD_AT_MOST in a row (then files the
# rest of its batch, so that a flood that lasts still gets filed).
FILE_TOGETHER = 50
YIELD_PAUSE = 0.5
YIELD_AT_MOST = 30.0
# A receipt whose filing crashed is tried again after this many seconds, doubled each time.
RETRY_AFTER = 30
BATCH = 100
# How long a process keeps the categories it checks reports against (CategoryCache).
CATEGORIES_FOR = 10.0  # seconds

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
    category = categories.get(values["category_id"])
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
    values.update(
        description=description, attributes=answers, address=(values["address"] or "")[:200]
    )
    receipt = Receipt(
        reporter=actor, idempotency_key=key, payload=values, received_at=timezone.now()
    )
    if not _insert_once(receipt):
        earlier = Receipt.objects.get(reporter=actor, idempotency_key=key)
        if earlier.status == ReceiptStatus.PENDING:  # its filer may have been lost
            transaction.on_commit(queue_filer, robust=True)
        return earlier, False
    # Robust: the report is kept; a queue that is down must not turn its answer into a 500
    # (the next report, a retry, or housekeeping queues the filer).
    transaction.on_commit(queue_filer, robust=True)
    return receipt, True


class CategoryCache:
    """The categories as taking in checks them, kept in this process for CATEGORIES_FOR
    seconds: every report names one, and categories change seldom. A category added
    meanwhile is read at once (an id not kept is looked up). One deactivated, or given new
    questions, in another process is still accepted here for at most CATEGORIES_FOR
    seconds; the filer checks every report again (report_case), so such a report is then
    refused with the same field errors. A stale category delays an error; it never files a
    case the categories forbid. A category saved in this process clears the cache at once."""

    FIELDS = ("id", "name", "is_active", "attributes")

    def __init__(self):
        self.clear()

    def clear(self, **_signal) -> None:
        self.rows: dict[int, Category] = {}
        self.loaded_at = -CATEGORIES_FOR

    def get(self, pk) -> Category | None:
        """The category with this id (its FIELDS loaded; read only), or None."""
        if not isinstance(pk, int) or isinstance(pk, bool):
            return None
        now = time.monotonic()
        if now - self.loaded_at >= CATEGORIES_FOR:
            self.rows = {c.pk: c for c in Category.objects.only(*self.FIELDS)}
            self.loaded_at = now
        category = self.rows.get(pk)
        if category is None:
            category = rawsql.load_by_pk(Category, pk, self.FIELDS)
            if category is not None:
                self.rows[pk] = category
        return category


categories = CategoryCache()
post_save.connect(categories.clear, sender=Category, dispatch_uid="intake-categories")
post_delete.connect(categories.clear, sender=Category, dispatch_uid="intake-categories-delete")


def _insert_once(receipt: Receipt) -> bool:
    """Insert the receipt; False when its idempotency key is already taken. One statement
    (INSERT … ON CONFLICT DO NOTHING), which leaves the caller's transaction usable."""
    pk = rawsql.insert_unless_conflict(receipt)
    if pk is None:
        return False
    receipt.pk = pk
    receipt._state.adding = False
    return True


def _shared_cache() -> bool:
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


# When this process last made sure that a filer is queued (with a shared cache only).
_assured_at = -ASSURED_FOR


def queue_filer() -> None:
    """Queue the filer unless one is queued already (see the module's notes). With a shared
    cache, a process that made sure less than ASSURED_FOR seconds ago asks nothing: the
    filer it made sure of had not started then, and every filer lingers 2 × ASSURED_FOR
    after it starts (file_pending), so it still sees this receipt."""
    global _assured_at
    from zhili.cases.tasks import file_reports  # tasks call back into this module

    if _shared_cache():
        now = time.monotonic()
        if now - _assured_at < ASSURED_FOR:
            return
        _assured_at = now
        if not caches["default"].add(FILER_QUEUED, 1, FILER_QUEUED_FOR):
            return
    file_reports.enqueue()


def file_pending(*, helper: bool = False) -> dict[str, int]:
    """The filer: file every pending receipt, oldest first; returns the count of each outcome.
    Receipts another filer holds are skipped (it files them); one taken in after this run
    looked queues a run of its own. Meeting more than a batch, the filer queues
    INTAKE_FILERS - 1 helpers, which file the same backlog beside it (a helper queues none)."""
    from zhili.cases.tasks import file_reports

    if not helper:
        cache = caches["default"]
        cache.delete(FILER_QUEUED)
        helpers = settings.INTAKE_FILERS - 1
        # Without a shared cache every receipt queues a filer already: no helpers needed.
        if (
            helpers
            and _shared_cache()
            and _backlog_exceeds(BATCH)
            and cache.add(HELPERS_QUEUED, 1, FILER_QUEUED_FOR)
        ):
            for _ in range(helpers):
                file_reports.enqueue(helper=True)
    outcomes = dict.fromkeys(ReceiptStatus.values, 0)
    gauge = ArrivalGauge()
    linger_until = time.monotonic() + (2 * ASSURED_FOR if _shared_cache() and not helper else 0)
    after = 0
    while True:
        batch = list(
            Receipt.objects.filter(status=ReceiptStatus.PENDING, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            if time.monotonic() >= linger_until:
                return outcomes
            time.sleep(0.1)  # a receipt may still come from a process that relies on us
            after = 0
            continue
        flood = False  # waited the longest already: file this batch through
        for start in range(0, len(batch), FILE_TOGETHER):
            if not flood:
                flood = gauge.wait_while_busy() >= YIELD_AT_MOST
            for outcome in file_batch(batch[start : start + FILE_TOGETHER]):
                outcomes[outcome] += 1
        after = batch[-1]


class ArrivalGauge:
    """How fast reports are coming in, from the newest receipt's id now and then. While the
    rate is above INTAKE_YIELD_ABOVE a second, the filer waits: on a machine the intake
    shares, the reports of a burst are taken in first and filed after (filing one costs the
    CPU of taking in a dozen)."""

    def __init__(self):
        self.newest, self.at = self._newest(), time.monotonic()

    @staticmethod
    def _newest() -> int:
        return Receipt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def rate(self) -> float:
        """Receipts a second since the last measure; 0 if that was under 0.2 s ago (too
        short a span to tell a burst from one report)."""
        now = time.monotonic()
        if now - self.at < 0.2:
            return 0.0
        newest = self._newest()
        rate = (newest - self.newest) / (now - self.at)
        self.newest, self.at = newest, now
        return rate

    def wait_while_busy(self) -> float:
        """Wait while reports come faster than INTAKE_YIELD_ABOVE a second (0: never);
        returns the seconds waited."""
        limit = settings.INTAKE_YIELD_ABOVE
        waited = 0.0
        if not limit:
            return waited
        while self.rate() > limit and waited < YIELD_AT_MOST:
            time.sleep(YIELD_PAUSE)
            waited += YIELD_PAUSE
        return waited


def _backlog_exceeds(count: int) -> bool:
    return Receipt.objects.filter(status=ReceiptStatus.PENDING)[count : count + 1].exists()


def file_batch(pks: list[int]) -> list[str]:
    """File these receipts together (services/filing.py), or, should that fail, one at a
    time, so that a receipt whose filing crashes keeps only itself pending; returns the new
    statuses (of the receipts that were pending and not held by another filer)."""
    try:
        return list(file_together(pks).values())
    except Exception:
        log.warning("filing receipts %s together failed; one at a time", pks, exc_info=True)
    return [outcome for outcome in map(file_receipt, pks) if outcome is not None]


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
        wait = dt.timedelta(seconds=RETRY_AFTER * 2 ** (receipt.attempts - 1))
        transaction.on_commit(partial(_queue_later, timezone.now() + wait), robust=True)
        return None
    errors = {"code": "failed", "message": _(FAILED_MESSAGE), "fields": {}}
    decide(receipt, ReceiptStatus.FAILED, errors=errors)
    return receipt.status


def _queue_later(when: dt.datetime) -> None:
    """A filer run at `when`, to try a crashed receipt again (the backend permitting:
    one that cannot wait runs it now, and the receipt counts another attempt)."""
    from zhili.cases.tasks import file_reports

    try:
        file_reports.using(run_after=when).enqueue()
    except Exception:  # a backend without delays: housekeeping tries it again
        log.warning("could not queue a later filer run", exc_info=True)


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
        decide(receipt, ReceiptStatus.REFUSED, errors=exc.as_dict())
    else:
        decide(receipt, ReceiptStatus.FILED, case=case)
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
