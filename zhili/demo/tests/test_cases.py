"""The demo city's year of cases: the source's scale, consistent timelines, reproducible."""

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.db.models import F, Max

from zhili.bulletins.metrics import department_figures
from zhili.cases.models import (
    CASE_TRANSITIONS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseFollower,
    CaseStatus,
    CaseTask,
    Channel,
    ExtensionStatus,
    TaskStatus,
)
from zhili.cases.selectors import overdue_q
from zhili.core.workcalendar import add_working_hours
from zhili.demo.builder import build_demo_city, delete_registry
from zhili.notifications.models import Escalation, Notification, NotificationKind
from zhili.notifications.sweep import grace_hours, sweep
from zhili.orgs.models import Department
from zhili.people.models import User

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db):
    return build_demo_city(seed=2026, now=NOW)


def test_the_year_has_the_sources_scale(demo):
    cases = Case.objects.all()
    assert cases.count() == demo.counts["cases"] >= 3000
    couriers = cases.filter(channel=Channel.COURIER)
    assert couriers.values("reporter").distinct().count() == 147
    assert 0.7 < couriers.count() / cases.count() < 0.8
    assert set(CaseTask.objects.values_list("department__code", flat=True)) == set(
        Department.objects.values_list("code", flat=True)
    )
    statuses = Counter(cases.values_list("status", flat=True))
    assert set(statuses) == set(CaseStatus.values)
    assert statuses[CaseStatus.CLOSED] > 0.8 * cases.count()
    tasks = CaseTask.objects.all()
    assert 0.04 < tasks.filter(status=TaskStatus.RETURNED).count() / tasks.count() < 0.12
    assert tasks.filter(rework_count__gt=0).count() > 100
    assert tasks.filter(extension_count__gt=0).count() > 100
    assert tasks.filter(handled_at__gt=F("handle_deadline")).count() > 200
    rated = Counter(cases.exclude(rating="").values_list("rating", flat=True))
    total = sum(rated.values())
    assert total > 0.6 * statuses[CaseStatus.CLOSED]
    assert 0.75 < rated["satisfied"] / total < 0.85
    assert 0.02 < rated["dissatisfied"] / total < 0.09
    # Every reporter with an account follows the case.
    assert CaseFollower.objects.count() == cases.filter(reporter__isnull=False).count()
    assert cases.filter(reported_at__gte=NOW.replace(hour=0, minute=0)).count() == 0


def test_the_city_stands_as_a_working_centre_would_today(demo):
    """A backlog of the last days and weeks, a few cases late by days or weeks, nothing left
    open for months: the older cases are closed, rejected or voided, or held for a review
    date still to come (a passed one was resumed)."""
    weeks = dt.timedelta(weeks=1)
    resumed = dict(
        CaseEvent.objects.filter(action="resume")
        .values("case")
        .annotate(last=Max("at"))
        .values_list("case", "last")
    )
    open_cases = list(Case.objects.filter(status__in=OPEN_STATUSES))
    held = [c for c in open_cases if c.status == CaseStatus.ON_HOLD]
    assert held and all(c.hold_until >= NOW.date() for c in held)
    moving = [c for c in open_cases if c.status != CaseStatus.ON_HOLD]
    # Since when each has been on its way: its report, or its resumption from hold.
    since = [max(c.reported_at, resumed.get(c.pk, c.reported_at)) for c in moving]
    assert 30 <= len(moving) <= 120
    assert all(NOW - s < 7 * weeks for s in since)
    assert sum(NOW - s < 3 * weeks for s in since) >= 0.85 * len(moving)
    assert (
        Case.objects.filter(reported_at__lt=NOW - 7 * weeks, status__in=OPEN_STATUSES).count()
        <= len(held) + 5
    )
    # A few overdue, by hours, days or weeks, never by months; some wait since days.
    overdue = [c for c in moving if c.step_deadline is not None and c.step_deadline < NOW]
    assert 8 <= len(overdue) <= 50
    assert all(NOW - c.step_deadline < 7 * weeks for c in overdue)
    assert sum(NOW - c.step_deadline > dt.timedelta(days=3) for c in overdue) >= 3
    # The centre's desk: new reports to accept, and extension requests to answer.
    assert sum(c.status == CaseStatus.REPORTED for c in moving) >= 3
    assert CaseTask.objects.filter(extension_status=ExtensionStatus.PENDING).exists()


def test_the_sweep_has_run_at_the_build(demo):
    """The escalations of the overdue steps and their notices are there, as after a worker's
    sweep at the moment of the build: the centre told of each, the street of those late by
    more than the grace hours; a second sweep then finds nothing new."""
    overdue = Case.objects.filter(overdue_q(NOW)).exclude(step="")
    first = Escalation.objects.filter(level=1)
    assert overdue.count() >= 8
    assert set(first.values_list("case", "step", "deadline")) == set(
        overdue.values_list("pk", "step", "step_deadline")
    )
    street = set(Escalation.objects.filter(level=2).values_list("case", flat=True))
    late = {c.pk for c in overdue if add_working_hours(c.step_deadline, grace_hours()) <= NOW}
    assert street == late and street
    assert demo.counts["escalations"] == first.count() + len(street)
    dispatcher = User.objects.get(username="dispatcher")
    coordinator = User.objects.get(username="coordinator")
    told = Notification.objects.filter(recipient=dispatcher, kind=NotificationKind.OVERDUE)
    assert told.count() == first.count()  # the centre is over the whole city
    boyang = overdue.filter(place_path__startswith=coordinator.role_grants.get().place.path)
    escalated = Notification.objects.filter(recipient=coordinator, kind=NotificationKind.ESCALATED)
    assert escalated.count() == boyang.filter(pk__in=street).count() > 0
    assert all(n.created_at == NOW for n in told)
    assert sweep(now=NOW).as_dict() == {
        "overdue": 0,
        "escalated": 0,
        "deadline_near": 0,
        "notifications": 0,
    }


def test_each_timeline_is_a_path_of_the_state_machine_in_order(demo):
    events = defaultdict(list)
    for case_id, at, action, before, after in CaseEvent.objects.order_by(
        "case", "at", "id"
    ).values_list("case", "at", "action", "from_status", "to_status"):
        events[case_id].append((at, action, before, after))
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0][1:] == ("report", "", CaseStatus.REPORTED), case.number
        assert timeline[0][0] == case.reported_at
        status = CaseStatus.REPORTED
        for _at, action, before, after in timeline[1:]:
            assert before == status, (case.number, action)
            assert after == status or after in CASE_TRANSITIONS[status], (case.number, action)
            status = after
        assert status == case.status, case.number
        assert case.version == len(timeline)
        assert all(timeline[i][0] <= timeline[i + 1][0] for i in range(len(timeline) - 1))
        assert timeline[-1][0] <= NOW
        stamps = [case.reported_at, case.accepted_at, case.closed_at, case.rated_at]
        present = [s for s in stamps if s is not None]
        assert present == sorted(present), case.number
        if case.status == CaseStatus.CLOSED:
            assert case.step == "" and case.step_deadline is None and case.closed_at
        if case.status in OPEN_STATUSES - {CaseStatus.ON_HOLD, CaseStatus.VERIFIED}:
            assert case.step and case.step_deadline, case.number
    for task in CaseTask.objects.select_related("case"):
        chain = [task.case.accepted_at, task.dispatched_at, task.taken_at, task.handled_at]
        present = [s for s in chain if s is not None]
        assert present == sorted(present), task.case.number
        assert task.take_deadline > task.dispatched_at
        if task.status in (TaskStatus.HANDLED, TaskStatus.VERIFIED):
            assert task.handled_at and task.taken_at and task.handle_deadline
        if task.status == TaskStatus.RETURNED:
            assert task.returned_at and task.return_reason and task.taken_at is None


def test_the_same_seed_and_moment_give_the_same_cases(demo):
    def cases():
        return list(
            Case.objects.order_by("number").values_list(
                "number", "category__code", "status", "reported_at", "rating"
            )
        )

    first = cases()
    delete_registry()
    assert not Case.objects.exists()
    build_demo_city(seed=2026, now=NOW)
    assert cases() == first


def test_the_last_full_month_gives_every_department_work(demo):
    bulletin = department_figures(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), now=NOW)
    rows = {row.department.code: row for row in bulletin.departments if row.department}
    assert set(rows) == set(Department.objects.values_list("code", flat=True))
    assert all(row.dispatched > 0 and row.rated > 0 for row in rows.values())
