"""The intake's batch filer: many receipts filed as cases in one transaction, row for row as
report_case files them one at a time (services/intake.py decides which way).

Why: filing one report is some twenty statements; a burst of thousands waited minutes. Filed
together, a batch takes about as many statements as one report did: one reads the receipts
(locked, skipping those another filer holds), one their reporters' role grants, one the
categories, one the places named, one the cases already filed under their keys, one locates
every point, one reads the time limits; then one inserts the cases, one looks for duplicates
of them all, one sets their numbers, and one each inserts the followers, the timeline entries,
the audit records and the webhook outbox rows (case_events), and one records the receipts'
outcomes.

Each receipt goes through report_case's own steps (services/report.py: named_place, the
permission, the idempotency key, check_report_fields, point_place, channel_for, new_case,
case_number, report_changes; common.record_steps), in receipt order, so that the rows are the
ones filing them one at a time would write:
- a point is placed as locate_point places it (places.selectors.locate_points);
- a case's possible duplicate is the nearest open case filed before it: one already in the
  database, or one earlier in the batch, never a later one;
- a refusal (a DomainError of that receipt) refuses that receipt alone, with its field errors.
Anything else (a bug, an outage, two filings of one key at once) raises: the caller rolls the
batch back and files its receipts one at a time, where a fault keeps just its receipt pending.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhili.audit.models import AuditRecord
from zhili.audit.services import audit_row, record_audits
from zhili.cases.models import (
    Case,
    CaseFollower,
    Category,
    Receipt,
    ReceiptStatus,
    Step,
    Urgency,
)
from zhili.cases.selectors import find_duplicates_of_many
from zhili.cases.services.common import record_steps, step_limits
from zhili.cases.services.deadlines import note_deadline
from zhili.cases.services.report import (
    case_number,
    channel_for,
    check_report_fields,
    named_place,
    new_case,
    point_place,
    report_changes,
)
from zhili.core import permissions
from zhili.core.errors import DomainError, InvalidInput
from zhili.core.permissions import Cap, SystemActor
from zhili.core.workcalendar import deadline
from zhili.places.models import Place
from zhili.places.selectors import locate_points

INTAKE_ACTOR = SystemActor("system:intake")


def file_together(pks: list[int]) -> dict[int, str]:
    """File the pending receipts among `pks` in one transaction; returns {receipt id: its new
    status} (filed or refused). Receipts another filer holds, or no longer pending, are left
    out. Raises on any fault that is not a refusal: nothing of the batch is then written."""
    with transaction.atomic():
        receipts = list(
            # Only the receipts' rows: locking their reporters too would make two filers skip
            # each other's receipts of one reporter.
            Receipt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("reporter")
            .filter(pk__in=pks, status=ReceiptStatus.PENDING)
            .order_by("pk")
        )
        if receipts:
            _file(receipts)
        return {receipt.pk: receipt.status for receipt in receipts}


def _file(receipts: list[Receipt]) -> None:
    # One account object per reporter, its role grants read for all at once.
    reporters = {}
    for receipt in receipts:
        receipt.reporter = reporters.setdefault(receipt.reporter_id, receipt.reporter)
    permissions.read_grants(reporters.values())
    reports = [receipt.payload for receipt in receipts]
    categories = Category.objects.in_bulk({_id(r.get("category_id")) for r in reports} - {None})
    places = Place.objects.in_bulk({_id(r.get("place_id")) for r in reports} - {None})
    keyed = [r for r in receipts if _key(r)]
    earlier = {}
    if keyed:
        wanted = Q()
        for receipt in keyed:
            wanted |= Q(reporter_id=receipt.reporter_id, idempotency_key=_key(receipt))
        earlier = {(c.reporter_id, c.idempotency_key): c for c in Case.objects.filter(wanted)}
    points = [
        (r["longitude"], r["latitude"])
        for r in reports
        if r.get("longitude") is not None and r.get("latitude") is not None
    ]
    locations = iter(locate_points(points))
    pairs = {(_id(r.get("category_id")), r.get("urgency", Urgency.NORMAL)) for r in reports}
    limits = step_limits({pair for pair in pairs if pair[0] is not None}, Step.ACCEPT)

    filed = []  # (receipt, the new case)
    for receipt, report in zip(receipts, reports, strict=True):
        located = report.get("longitude") is not None and report.get("latitude") is not None
        location = next(locations) if located else None
        try:
            case = _case_for(receipt, report, categories, places, earlier, location, limits)
        except DomainError as exc:  # refused, as report_case refuses it
            _decide(receipt, ReceiptStatus.REFUSED, errors=exc.as_dict())
            continue
        if case.pk is not None:  # filed before under its key: that case
            _decide(receipt, ReceiptStatus.FILED, case=case)
        else:
            filed.append((receipt, case))
    cases = [case for _, case in filed]
    if cases:
        _write(cases)
    for receipt, case in filed:
        _decide(receipt, ReceiptStatus.FILED, case=case)
    Receipt.objects.bulk_update(receipts, ["status", "case", "errors", "decided_at", "attempts"])
    record_audits([row for receipt in receipts if (row := decision_audit(receipt)) is not None])


def _id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _key(receipt: Receipt) -> str:
    return (receipt.idempotency_key or "").strip()[:64]


def _case_for(receipt, report, categories, places, earlier, location, limits) -> Case:
    """The case report_case would file for this receipt, not saved yet (or the case filed
    before under its key); raises the DomainError that refuses it. Its steps in
    report_case's order, so that the same error wins."""
    place = named_place(report.get("place_id"), places)
    actor = receipt.reporter
    permissions.require(actor, Cap.CASES_REPORT)
    key = _key(receipt)
    if key and (actor.pk, key) in earlier:
        return earlier[(actor.pk, key)]
    category = categories.get(_id(report.get("category_id")))
    urgency = report.get("urgency", Urgency.NORMAL)
    longitude, latitude = report.get("longitude"), report.get("latitude")
    description, answers, errors = check_report_fields(
        category=category,
        description=report.get("description", ""),
        urgency=urgency,
        answers=report.get("attributes") or {},
        located=(longitude is not None and latitude is not None) or place is not None,
    )
    if longitude is not None and latitude is not None:
        place = point_place(location, errors)
    if errors:
        raise InvalidInput(fields=errors)
    now = receipt.received_at
    return new_case(
        category=category,
        urgency=urgency,
        description=description,
        attributes=answers,
        longitude=longitude,
        latitude=latitude,
        address=report.get("address", ""),
        place=place,
        channel=channel_for(actor),
        reporter=actor,
        reporter_name="",
        reporter_phone="",
        idempotency_key=key,
        reported_at=now,
        step_deadline=deadline(now, *limits[(category.pk, urgency)]),
    )


def _write(cases: list[Case]) -> None:
    """Insert the new cases and what report_case writes with each."""
    Case.objects.bulk_create(cases)
    order = {case.pk: n for n, case in enumerate(cases)}
    for case in cases:
        case.number = case_number(case)
    # Duplicates as filing one at a time finds them: among the cases in the database before
    # the batch, and those earlier in it (with their numbers as just set), never later ones.
    found = find_duplicates_of_many([c for c in cases if c.latitude is not None])
    for case in cases:
        earlier = [
            cases[order[other.pk]] if other.pk in order else other
            for other in found.get(case.pk, [])
            if order.get(other.pk, -1) < order[case.pk]
        ]
        case.possible_duplicate_of = earlier[0] if earlier else None
    Case.objects.bulk_update(cases, ["number", "possible_duplicate_of"])
    CaseFollower.objects.bulk_create([CaseFollower(case=c, user=c.reporter) for c in cases])
    for case in cases:  # a deadline on the provisional calendar keeps its basis (seldom)
        note_deadline(
            case=case, step=Step.ACCEPT, start=case.reported_at, due_at=case.step_deadline
        )
    record_steps(
        [
            {
                "actor": case.reporter,
                "case": case,
                "action": "report",
                "to_status": case.status,
                "changes": report_changes(case),
                "at": case.reported_at,
            }
            for case in cases
        ]
    )


def _decide(receipt: Receipt, status: str, *, case=None, errors=None) -> None:
    receipt.status, receipt.case, receipt.errors = status, case, errors or {}
    receipt.decided_at = timezone.now()


def decide(receipt: Receipt, status: str, *, case=None, errors=None) -> None:
    """Record one receipt's outcome (filing one at a time); a refusal or a failure is
    audited (a filing is, by its case)."""
    _decide(receipt, status, case=case, errors=errors)
    receipt.save(update_fields=["status", "case", "errors", "decided_at", "attempts"])
    row = decision_audit(receipt)
    if row is not None:
        row.save()


def decision_audit(receipt: Receipt) -> AuditRecord | None:
    """The audit record of a receipt's outcome, not saved yet; None for a filing (audited
    by its case's report entry)."""
    if receipt.status in (ReceiptStatus.FILED, ReceiptStatus.PENDING):
        return None
    return audit_row(
        actor=INTAKE_ACTOR,
        action=f"receipt.{'refuse' if receipt.status == ReceiptStatus.REFUSED else 'fail'}",
        obj=receipt,
        changes={
            "reporter": [None, receipt.reporter.get_username()],
            "status": [ReceiptStatus.PENDING, receipt.status],
            "errors": [None, receipt.errors],
        },
    )
