"""For any tasks at all, the database's counts are docs/metrics.md read literally (a plain
Python reading of every row), and the counts add up: on time + late + overdue = due, …"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.bulletins.metrics import COUNTS, department_figures
from zhili.cases.models import Case, CaseTask, Category
from zhili.core.workcalendar import SHANGHAI, working_time_between
from zhili.testing.factories import DepartmentFactory

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
LO = dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
HI = dt.datetime(2026, 4, 1, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=SHANGHAI)  # inside the period: some not due yet

# Moments from mid-February to mid-April in whole hours, or nothing.
some_moment = st.integers(min_value=-14 * 24, max_value=45 * 24).map(
    lambda h: LO + dt.timedelta(hours=h)
)
moment = st.one_of(st.none(), some_moment)
task = st.fixed_dictionaries(
    {
        "department": st.integers(0, 1),
        "role": st.sampled_from(["lead", "co"]),
        "status": st.sampled_from(
            ["dispatched", "taken", "returned", "handled", "verified", "cancelled"]
        ),
        "dispatched_at": some_moment,
        "take_deadline": some_moment,
        "taken_at": moment,
        "handle_deadline": moment,
        "handled_at": moment,
        "returned_at": moment,
        "rework_count": st.integers(0, 2),
        "extension_count": st.integers(0, 1),
        "case_status": st.sampled_from(["dispatched", "handled", "closed"]),
        # Closed cases close after their handling and, the state machine being what it is,
        # never before a task of theirs falls due: hours after the later of the two.
        "close_after": st.integers(0, 200),
        "close_deadline": moment,
        "rating": st.sampled_from(["", "satisfied", "basically", "dissatisfied"]),
        "rated_at": moment,
    }
)


def within(m) -> bool:
    return m is not None and LO <= m < HI


def le(a, b) -> bool:
    return a is not None and b is not None and a <= b


def mean_hours(spans) -> Decimal | None:
    """The mean of working_time_between over (start, end) pairs, in hours, or None."""
    if not spans:
        return None
    total = sum((working_time_between(a, b) for a, b in spans), dt.timedelta())
    return Decimal(total / dt.timedelta(microseconds=1)) / Decimal(3600 * 10**6 * len(spans))


def by_the_book(rows: list[dict]) -> dict[int, dict]:
    """docs/metrics.md, one row at a time."""
    out = {d: dict.fromkeys(COUNTS, 0) for d in (0, 1)}
    for t in rows:
        if t["status"] == "cancelled" and t["handled_at"] is None:
            continue
        c = out[t["department"]]
        deadline = t["handle_deadline"] or t["take_deadline"]
        handled = t["status"] in ("handled", "verified", "cancelled")
        if within(t["dispatched_at"]):
            c["dispatched"] += 1
            c["taken"] += t["taken_at"] is not None
            on_time_take = le(t["taken_at"], t["take_deadline"])
            c["taken_on_time"] += on_time_take
            c["responded"] += on_time_take or le(t["returned_at"], t["take_deadline"])
            c["returned"] += t["status"] == "returned"
            c["extended"] += t["extension_count"] > 0
        on_time = handled and le(t["handled_at"], deadline) and within(t["handled_at"])
        late = handled and le(deadline, t["handled_at"]) and t["handled_at"] != deadline
        late = late and within(deadline)
        overdue = t["status"] in ("dispatched", "taken") and within(deadline) and deadline < NOW
        due = on_time or late or overdue
        c["handled_on_time"] += on_time
        c["handled_late"] += late
        c["overdue_unhandled"] += overdue
        c["due"] += due
        c["handled"] += on_time or late
        if within(t["dispatched_at"]) and t["taken_at"]:
            c.setdefault("take_spans", []).append((t["dispatched_at"], t["taken_at"]))
        if (on_time or late) and t["taken_at"]:
            c.setdefault("handle_spans", []).append((t["taken_at"], t["handled_at"]))
        c["reworked"] += due and (t["rework_count"] > 0 or t["status"] == "cancelled")
        lead = t["role"] == "lead"
        c["due_to_close"] += due and lead
        closed = lead and t["case_status"] == "closed"
        c["closed"] += due and closed
        c["closed_on_time"] += (
            on_time
            and closed
            and (t["close_deadline"] is None or le(t["closed_at"], t["close_deadline"]))
        )
        if lead and t["status"] not in ("returned", "cancelled") and within(t["rated_at"]):
            if t["rating"]:
                c["rated"] += 1
                c[
                    {
                        "satisfied": "satisfied",
                        "basically": "basically_satisfied",
                        "dissatisfied": "dissatisfied",
                    }[t["rating"]]
                ] += 1
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(task, max_size=14))
def test_the_counts_are_the_definitions_and_add_up(city, rows):
    with transaction.atomic():
        departments = [
            DepartmentFactory(code="d0", jurisdiction=city.city),
            DepartmentFactory(code="d1", jurisdiction=city.city),
        ]
        category = Category.objects.create(code="c", name="类")
        for number, t in enumerate(rows):
            closed_at = None
            if t["case_status"] == "closed":
                closed_at = max(t["handled_at"] or LO, LO) + dt.timedelta(hours=t["close_after"])
            t["closed_at"] = closed_at
            case = Case.objects.create(
                number=f"T{number}",
                category=category,
                description="-",
                place=city.g1,
                place_path=city.g1.path,
                channel="grid",
                status=t["case_status"],
                reported_at=LO,
                closed_at=closed_at,
                close_deadline=t["close_deadline"],
                rating=t["rating"],
                rated_at=t["rated_at"],
            )
            fields = {k: v for k, v in t.items() if k in {f.name for f in CaseTask._meta.fields}}
            CaseTask.objects.create(
                case=case, **fields | {"department": departments[t["department"]]}
            )
        bulletin = department_figures(start=START, end=END, now=NOW, minimum=2)
        expected = by_the_book(rows)
        for index, department in enumerate(departments):
            f = next(f for f in bulletin.departments if f.department == department)
            spans = {k: expected[index].pop(k, []) for k in ("take_spans", "handle_spans")}
            assert {name: getattr(f, name) for name in COUNTS} == expected[index]
            # Mean times: the database's sums of days and times of day agree with the
            # calendar's own count span by span (to the rounding of 0.01 h).
            for name in ("take", "handle"):
                mean = mean_hours(spans[f"{name}_spans"])
                shown = getattr(f, f"mean_{name}_hours")
                assert (mean is None) == (shown is None)
                assert mean is None or abs(shown - mean) <= Decimal("0.005")
            assert f.handled_on_time + f.handled_late + f.overdue_unhandled == f.due
            assert f.closed_on_time <= f.closed <= f.due_to_close <= f.due
            assert f.taken_on_time <= f.responded <= f.dispatched
            assert f.satisfied + f.basically_satisfied + f.dissatisfied == f.rated
            for rate in f.rates.values():
                assert rate.value is None or Decimal(0) <= rate.value <= Decimal(1)
            assert f.score is None or Decimal(0) <= f.score <= Decimal(100)
        ranked = [f for f in bulletin.departments if f.rank is not None]
        assert [f.rank for f in ranked] == sorted(f.rank for f in ranked)
        transaction.set_rollback(True)
