"""The intake's batch filer (services/filing.py) writes, row for row, what filing the same
receipts one at a time (report_case) writes: the same receipts are filed both ways from the
same database, and every row a user, a webhook receiver or the bulletin could see is compared.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.audit.models import AuditRecord
from zhili.cases import models as case_models
from zhili.cases import selectors
from zhili.cases.models import (
    Case,
    CaseEvent,
    CaseFollower,
    CaseStatus,
    Category,
    Receipt,
    ReceiptStatus,
)
from zhili.cases.services import filing, intake
from zhili.cases.tests.conftest import IN_G1, whistle
from zhili.conftest import LAT, LON
from zhili.webhooks.models import Delivery, Endpoint

TZ = dt.timezone(dt.timedelta(hours=8))
# When the receipts come in: a plain working day; and the last afternoon of the calendar's
# last known year, whose deadlines run into a year with no holiday notice yet.
BASES = [dt.datetime(2026, 11, 18, 9, 30, tzinfo=TZ), dt.datetime(2026, 12, 31, 16, 40, tzinfo=TZ)]
# Points a few metres to ~100 m apart in grid g1 (duplicates of each other within 50 m), one in
# community c1 outside its grid, one outside the city.
NEAR = [(IN_G1[0] + n * 0.0002, IN_G1[1]) for n in range(5)]
NO_GRID = (LON + 0.008, LAT - 0.008)
OUTSIDE = (LON + 0.5, LAT + 0.5)

reports = st.fixed_dictionaries(
    {
        "reporter": st.sampled_from(["courier", "courier", "resident", "outsider"]),
        "category": st.sampled_from(["parking", "parking", "asks", "inactive", "missing"]),
        "attributes": st.sampled_from([{}, {"kind": "car"}, {"kind": "boat"}]),
        "description": st.sampled_from(["井盖缺失", "井盖缺失", "  路灯不亮 ", "", "长" * 2001]),
        "urgency": st.sampled_from(["normal", "normal", "urgent", "whenever"]),
        "where": st.sampled_from(
            ["near0", "near1", "near2", "near4", "no_grid", "outside", "place", "no_place", "none"]
        ),
        "key": st.sampled_from(["", "", "k1", "k2", "filed-before"]),
        "minutes": st.integers(min_value=0, max_value=90),
    }
)
existing_cases = st.lists(
    st.tuples(st.sampled_from([0, 1, 3]), st.integers(1, 60), st.booleans()), max_size=3
)


@pytest.fixture
def scene(loop, city, monkeypatch):
    """Categories (one with a required question, one inactive), and an endpoint that takes
    every event of the city (so that each report writes an outbox row)."""
    # A process keeps the provisional deadlines it knows for a while (selectors), so whether
    # an outbox row says "provisional" would depend on when it last read them: read always.
    monkeypatch.setattr(selectors, "PROVISIONAL_RECHECK_SECONDS", -1)
    asks = Category.objects.create(
        code="asks",
        name="占道经营",
        default_lead=loop.cg,
        attributes=[
            {
                "code": "kind",
                "label": "类型",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "car", "name": "车"}],
            }
        ],
    )
    inactive = Category.objects.create(code="gone", name="旧类", is_active=False)
    Endpoint.objects.create(
        name="bus",
        url="https://hooks.example.com/zhili",
        place=city.city,
        place_path=city.city.path,
        events=["created", "accepted"],
        secret="whsec_test",
    )
    loop.categories = {"parking": loop.category.pk, "asks": asks.pk, "inactive": inactive.pk}
    return loop


def plain(**overrides) -> dict:
    """A good report from the courier, near0, without a key, as `reports` generates them."""
    return {
        "reporter": "courier",
        "category": "parking",
        "attributes": {},
        "description": "井盖",
        "urgency": "normal",
        "where": "near0",
        "key": "",
        "minutes": 0,
        **overrides,
    }


def make_receipts(scene, city, specs, base) -> list[int]:
    """The receipts as the intake keeps them (written directly: filing must cope with what a
    stale category let in); a (reporter, key) seen before is the same receipt."""
    users = {"courier": scene.courier, "resident": scene.resident, "outsider": scene.outsider}
    pks, seen = [], set()
    for spec in specs:
        reporter = users[spec["reporter"]]
        if spec["key"] and (reporter.pk, spec["key"]) in seen:
            continue
        seen.add((reporter.pk, spec["key"]))
        payload = {
            "category_id": scene.categories.get(spec["category"], 999_999),
            "description": spec["description"],
            "urgency": spec["urgency"],
            "longitude": None,
            "latitude": None,
            "place_id": None,
            "address": "翠平路",
            "attributes": spec["attributes"],
        }
        where = spec["where"]
        if where.startswith("near") or where in ("no_grid", "outside"):
            lon, lat = {"no_grid": NO_GRID, "outside": OUTSIDE}.get(where) or NEAR[int(where[4:])]
            payload.update(longitude=lon, latitude=lat)
        elif where == "place":
            payload["place_id"] = city.c2.pk
        elif where == "no_place":
            payload["place_id"] = 999_999
        receipt = Receipt.objects.create(
            reporter=reporter,
            idempotency_key=spec["key"],
            payload=payload,
            received_at=base + dt.timedelta(minutes=spec["minutes"]),
        )
        pks.append(receipt.pk)
    return pks


def snapshot(marks: dict, receipts: list[int]) -> dict:
    """Every row written since `marks` (the last ids before filing), with the new cases'
    ids replaced by their order of filing (ids are the database's; the rest is ours)."""
    new = list(Case.objects.filter(pk__gt=marks["case"]).order_by("pk"))
    rank = {case.pk: n for n, case in enumerate(new)}
    numbers = {}
    for case in new:
        date, serial = case.number[:8], case.number[8:]
        assert serial == f"{case.pk:06d}", case.number  # date and id, as report_case numbers
        numbers[case.number] = f"{date}#{rank[case.pk]}"

    def ref(pk):
        return None if pk is None else (f"new{rank[pk]}" if pk in rank else pk)

    def text(value):
        if isinstance(value, str):
            return re.sub(r"\d{8}\d{6,}", lambda m: numbers.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {k: text(v) for k, v in value.items() if k not in ("id", "occurred_at")}
        if isinstance(value, list):
            return [text(v) for v in value]
        return value

    skip = {"id", "number", "possible_duplicate_of", "merged_into"}
    cases = [
        {
            **{
                f.attname: getattr(c, f.attname)
                for f in Case._meta.concrete_fields
                if f.name not in skip
            },
            "number": numbers[c.number],
            "possible_duplicate_of": ref(c.possible_duplicate_of_id),
        }
        for c in new
    ]
    stored = {r.pk: r for r in Receipt.objects.filter(pk__in=receipts)}
    rows = {
        "receipts": [
            (pk, stored[pk].status, stored[pk].errors, ref(stored[pk].case_id), stored[pk].attempts)
            for pk in receipts
        ],
        "cases": cases,
        "followers": ordered(
            (ref(f.case_id), f.user_id)
            for f in CaseFollower.objects.filter(pk__gt=marks["follower"])
        ),
        "timeline": ordered(
            (
                ref(e.case_id),
                e.task_id,
                e.action,
                e.from_status,
                e.to_status,
                e.actor_id,
                e.actor_label,
                e.at,
                e.note,
            )
            for e in CaseEvent.objects.filter(pk__gt=marks["event"])
        ),
        "audit": ordered(
            (
                a.actor_id,
                a.actor_label,
                a.action,
                a.content_type_id,
                str(ref(int(a.object_id))) if a.action.startswith("case.") else a.object_id,
                text(a.object_repr),
                a.place_path,
                repr(text(a.changes)),
            )
            for a in AuditRecord.objects.filter(pk__gt=marks["audit"])
        ),
        "outbox": ordered(
            (
                d.endpoint_id,
                d.event,
                ref(d.case_id),
                text(d.case_number),
                d.place_path,
                repr(text(d.payload)),
                d.state,
            )
            for d in Delivery.objects.filter(pk__gt=marks["delivery"])
        ),
    }
    provisional = getattr(case_models, "ProvisionalDeadline", None)
    if provisional is not None:  # the basis of deadlines counted on the provisional calendar
        rows["provisional"] = sorted(
            (ref(p.case_id), p.task_id, p.step, p.start, Decimal(p.amount), p.unit, p.due, p.year)
            for p in provisional.objects.filter(case_id__in=rank)
        )
    return rows


def ordered(rows) -> list:
    return sorted(rows, key=repr)  # rows hold None beside numbers


def marks() -> dict:
    def last(model):
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return {
        "case": last(Case),
        "follower": last(CaseFollower),
        "event": last(CaseEvent),
        "audit": last(AuditRecord),
        "delivery": last(Delivery),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(reports, min_size=1, max_size=14),
    existing=existing_cases,
    base=st.sampled_from(BASES),
)
def test_filing_together_writes_what_filing_one_at_a_time_writes(
    scene, city, specs, existing, base
):
    singly, together, outcome = file_both_ways(scene, city, specs, existing, base)
    assert together == singly
    assert set(outcome) == {pk for pk, status, *_ in singly["receipts"] if status != "pending"}
    assert all(status != ReceiptStatus.PENDING for _, status, *_ in together["receipts"])


def file_both_ways(scene, city, specs, existing, base) -> tuple[dict, dict, dict]:
    """The rows filing the receipts one at a time writes, those filing them together writes,
    and file_together's outcome; from the same database, rolled back after."""
    with transaction.atomic():
        # Open cases nearby, reported before the receipts (one closed: no duplicate of it);
        # one filed through POST /api/v1/cases with the key a receipt repeats.
        for near, minutes_before, closed in existing:
            at = base - dt.timedelta(minutes=minutes_before)
            case = whistle(scene, point=NEAR[near], reported_at=at)
            if closed:
                Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
        whistle(
            scene,
            point=NEAR[2],
            idempotency_key="filed-before",
            reported_at=base - dt.timedelta(minutes=5),
        )
        receipts = make_receipts(scene, city, specs, base)
        before = marks()

        one_at_a_time = transaction.savepoint()
        for pk in receipts:
            intake.file_receipt(pk)
        singly = snapshot(before, receipts)
        transaction.savepoint_rollback(one_at_a_time)

        outcome = filing.file_together(receipts)  # a fault raises here, not a fallback
        together = snapshot(before, receipts)
        transaction.set_rollback(True)
    return singly, together, outcome


def test_at_the_years_end_a_batch_keeps_the_provisional_deadlines_as_one_at_a_time(scene, city):
    if not hasattr(case_models, "ProvisionalDeadline"):
        pytest.skip("no provisional calendar yet")
    specs = [
        plain(where=where, minutes=minutes)
        for where, minutes in (("near0", 0), ("near1", 10), ("place", 15), ("outside", 5))
    ]
    singly, together, _ = file_both_ways(scene, city, specs, [(0, 30, False)], BASES[1])
    assert together == singly
    assert len(singly["cases"]) == 3 and len(singly["provisional"]) == 3


def test_a_batch_takes_a_few_statements_not_twenty_a_report(scene, city):
    base = BASES[0]
    specs = [plain(where=f"near{n % 5}", key=f"q{n}", minutes=n) for n in range(40)]
    receipts = make_receipts(scene, city, specs, base)
    with CaptureQueriesContext(connection) as queries:
        outcome = filing.file_together(receipts)
    assert list(outcome.values()) == ["filed"] * 40
    # Receipts, grants, categories, places, keys, points, limits; cases, duplicates,
    # numbers, followers, timeline, audit, outbox (endpoints, cases, leads, rows); receipts'
    # outcomes and their audit (none here): about twenty, for forty reports, and savepoints.
    statements = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 22, [q["sql"][:80] for q in statements]


def test_one_receipt_that_crashes_keeps_itself_pending_and_the_batch_is_filed(
    scene, city, monkeypatch
):
    specs = [plain(description=d, minutes=n) for n, d in enumerate(["井盖", "炸", "路灯"])]
    receipts = make_receipts(scene, city, specs, BASES[0])
    real = filing.new_case

    def new_case(**values):  # a bug that one report meets, on either road
        if values["description"] == "炸":
            raise KeyError("a bug")
        return real(**values)

    monkeypatch.setattr(filing, "new_case", new_case)
    monkeypatch.setattr("zhili.cases.services.report.new_case", new_case)
    assert sorted(intake.file_batch(receipts)) == ["filed", "filed"]
    stored = {r.payload["description"]: r for r in Receipt.objects.filter(pk__in=receipts)}
    assert stored["井盖"].status == stored["路灯"].status == ReceiptStatus.FILED
    assert stored["炸"].status == ReceiptStatus.PENDING and stored["炸"].attempts == 1
    assert Case.objects.filter(description__in=["井盖", "路灯"]).count() == 2


def test_every_listener_of_case_event_listens_to_case_events():
    from zhili.cases.signals import case_event, case_events

    def apps(signal):
        sync, asynchronous = signal._live_receivers(Case)
        return {receiver.__module__.split(".")[1] for receiver in sync + asynchronous}

    assert apps(case_event) == apps(case_events) == {"notifications", "webhooks"}
