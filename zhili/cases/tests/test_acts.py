"""The loop's side roads: re-categorising, reopening, extensions (延期), resuming from hold,
routing, street coordination and joint actions — each allowed, forbidden and out of order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhili.audit.models import AuditRecord
from zhili.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    ExtensionStatus,
    JointAction,
    Route,
    Step,
    TaskStatus,
    TimeLimit,
)
from zhili.cases.selectors import cases_for, extension_requests_for, lead_for
from zhili.cases.services.common import due
from zhili.cases.services.coordination import coordinate_case, record_joint_action
from zhili.cases.services.corrections import recategorise_case, reopen_case, resume_case
from zhili.cases.services.extensions import grant_extension, refuse_extension, request_extension
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    hold_case,
    rate_case,
    take_task,
    verify_case,
)
from zhili.cases.tests.conftest import whistle
from zhili.conftest import LAT, LON
from zhili.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhili.core.permissions import Role
from zhili.core.workcalendar import TimeUnit
from zhili.testing.factories import DepartmentFactory, UserFactory, grant

IN_G3 = (LON + 0.0245, LAT + 0.0045)  # 塔山一网格, in the other street


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def actions(case: Case) -> list[tuple[str, str, str]]:
    return list(
        CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status")
    )


def dispatched(loop, **extra) -> Case:
    case = whistle(loop, **extra)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    return fresh(case)


def taken(loop, **extra):
    case = dispatched(loop, **extra)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    return fresh(case), task


def closed(loop, **extra) -> Case:
    case, task = taken(loop, **extra)
    handle_task(actor=loop.handler, task=task, result="已劝离")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    return fresh(case)


@pytest.fixture
def traffic(loop, city):
    """A second category, led by the police, with a dispatch limit of its own."""
    category = Category.objects.create(code="traffic", name="交通事故", default_lead=loop.police)
    TimeLimit.objects.create(
        category=category,
        urgency="normal",
        step=Step.DISPATCH,
        amount=Decimal("0.5"),
        unit=TimeUnit.CALENDAR_HOURS,
    )
    return category


# --- Routing -------------------------------------------------------------------------------


def test_the_nearest_route_up_the_path_leads_else_the_default(loop, city):
    assert lead_for(loop.category, city.g1) == loop.cg  # the category's default
    street_lead = DepartmentFactory(code="s1cg", short_name="街道城管", jurisdiction=city.s1)
    Route.objects.create(category=loop.category, place=city.city, lead=loop.police)
    Route.objects.create(category=loop.category, place=city.s1, lead=street_lead)
    assert lead_for(loop.category, city.g1) == street_lead  # s1 is nearer than the city
    assert lead_for(loop.category, city.g3) == loop.police  # s2 has none: the city's
    child = Category.objects.create(code="bikes", name="共享单车", parent=loop.category)
    assert lead_for(child, city.g3) == loop.police  # a sub-category routes as its parent


def test_dispatch_without_a_lead_follows_the_route(loop, city):
    Route.objects.create(category=loop.category, place=city.s1, lead=loop.police)
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case)
    assert list(fresh(case).tasks.values_list("department", "role")) == [(loop.police.pk, "lead")]


def test_dispatch_without_a_lead_or_a_route_is_a_field_error(loop):
    loop.category.default_lead = None
    loop.category.save()
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    with pytest.raises(InvalidInput) as excinfo:
        dispatch_case(actor=loop.dispatcher, case=case)
    assert list(excinfo.value.fields) == ["lead"]
    assert fresh(case).status == CaseStatus.ACCEPTED


# --- Re-categorising -------------------------------------------------------------------------


def test_recategorising_a_reported_case_restarts_its_accept_clock(loop, traffic):
    case = whistle(loop)
    TimeLimit.objects.create(
        category=traffic, urgency="normal", step=Step.ACCEPT, amount=1, unit="calendar_hours"
    )
    before = timezone.now()
    recategorise_case(actor=loop.dispatcher, case=case, category=traffic, note="实为事故")
    case = fresh(case)
    assert (case.category, case.status, case.step) == (traffic, "reported", Step.ACCEPT)
    assert before + dt.timedelta(hours=1) <= case.step_deadline
    assert case.step_deadline <= timezone.now() + dt.timedelta(hours=1)
    assert actions(case)[-1] == ("recategorise", "reported", "reported")
    record = AuditRecord.objects.filter(action="case.recategorise").get()
    assert record.changes == {"category": ["乱停乱放", "交通事故"]}


def test_recategorising_an_accepted_case_restarts_its_dispatch_clock(loop, traffic):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    recategorise_case(actor=loop.dispatcher, case=case, category=traffic)
    case = fresh(case)
    # traffic's own limit: half an hour on the calendar clock.
    assert case.step == Step.DISPATCH
    assert case.step_deadline <= timezone.now() + dt.timedelta(minutes=30)


def test_recategorising_a_dispatched_case_reroutes_it(loop, traffic):
    case, task = taken(loop)
    recategorise_case(actor=loop.dispatcher, case=case, category=traffic)
    case = fresh(case)
    assert (case.status, case.step) == (CaseStatus.ACCEPTED, Step.DISPATCH)
    assert case.tasks.get().status == TaskStatus.CANCELLED
    assert actions(case)[-1] == ("recategorise", "dispatched", "accepted")
    dispatch_case(actor=loop.dispatcher, case=case)  # the new category's lead: the police
    assert fresh(case).tasks.get(status="dispatched").department == loop.police


@pytest.mark.parametrize("who", ["coordinator", "secretary", "handler", "grid_officer", "courier"])
def test_only_the_centre_recategorises(loop, traffic, who):
    case = whistle(loop)
    with pytest.raises(Forbidden):
        recategorise_case(actor=getattr(loop, who), case=case, category=traffic)
    assert fresh(case).category == loop.category


def test_recategorising_is_refused_once_handled_and_needs_another_category(loop, traffic):
    case = whistle(loop)
    with pytest.raises(InvalidInput) as excinfo:
        recategorise_case(actor=loop.dispatcher, case=case, category=loop.category)
    assert list(excinfo.value.fields) == ["category"]
    case, task = taken(loop, idempotency_key="2")
    handle_task(actor=loop.handler, task=task, result="已处理")
    with pytest.raises(Conflict):
        recategorise_case(actor=loop.dispatcher, case=case, category=traffic)
    assert fresh(case).category == loop.category


# --- Reopening -------------------------------------------------------------------------------


def test_the_reporter_reopens_a_closed_case_as_rework(loop):
    case = closed(loop)
    rate_case(actor=loop.courier, case=case, rating="dissatisfied", comment="车又来了")
    reopen_case(actor=loop.courier, case=case, reason="车辆又停回来了")
    case = fresh(case)
    assert (case.status, case.rework_count, case.step) == ("accepted", 1, Step.DISPATCH)
    assert (case.closed_at, case.rating) == (None, "")
    assert case.tasks.get().status == TaskStatus.CANCELLED
    assert actions(case)[-1] == ("reopen", "closed", "accepted")
    # The second round runs to a second rating.
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = case.tasks.get(status="dispatched")
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="设置隔离桩")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    rate_case(actor=loop.courier, case=case, rating="satisfied")
    assert fresh(case).rating == "satisfied"


def test_reopening_needs_a_reason_and_the_window(loop, settings):
    case = closed(loop)
    with pytest.raises(InvalidInput) as excinfo:
        reopen_case(actor=loop.courier, case=case, reason=" ")
    assert list(excinfo.value.fields) == ["reason"]
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(InvalidInput) as excinfo:
        reopen_case(actor=loop.courier, case=case, reason="没修好")
    assert list(excinfo.value.fields) == ["reason"]
    assert fresh(case).status == CaseStatus.CLOSED
    settings.CASE_REOPEN_DAYS = 10
    reopen_case(actor=loop.courier, case=case, reason="没修好")
    assert fresh(case).status == CaseStatus.ACCEPTED


@pytest.mark.parametrize("who", ["dispatcher", "resident", "secretary", "outsider"])
def test_only_the_reporter_reopens(loop, who):
    case = closed(loop)
    with pytest.raises(NotFound):
        reopen_case(actor=getattr(loop, who), case=case, reason="没修好")
    assert fresh(case).status == CaseStatus.CLOSED


def test_an_open_case_cannot_be_reopened(loop):
    case = dispatched(loop)
    with pytest.raises(Conflict):
        reopen_case(actor=loop.courier, case=case, reason="没修好")


# --- Extensions (延期) ---------------------------------------------------------------------------


def test_the_centre_grants_an_extension_and_the_clock_follows(loop):
    case, task = taken(loop)
    task.refresh_from_db()
    until = task.handle_deadline + dt.timedelta(days=5)
    request_extension(actor=loop.handler, task=task, until=until, reason="需协调产权单位")
    with pytest.raises(Conflict):  # one request at a time
        request_extension(actor=loop.handler, task=task, until=until, reason="再催")
    assert list(extension_requests_for(loop.dispatcher)) == [task]
    assert list(extension_requests_for(loop.secretary)) == []
    grant_extension(actor=loop.dispatcher, task=task, note="同意")
    task.refresh_from_db()
    assert (task.extension_status, task.extension_count) == (ExtensionStatus.GRANTED, 1)
    assert task.handle_deadline == until
    case = fresh(case)
    assert (case.step, case.step_deadline) == (Step.HANDLE, until)
    assert [a for a, *_ in actions(case)][-2:] == ["extension_request", "extension_grant"]
    assert CaseEvent.objects.filter(action="extension_grant").get().task == task


def test_a_refused_extension_leaves_the_deadline_and_may_be_asked_again(loop):
    case, task = taken(loop)
    task.refresh_from_db()
    deadline = task.handle_deadline
    until = deadline + dt.timedelta(days=2)
    request_extension(actor=loop.handler, task=task, until=until, reason="材料未到")
    with pytest.raises(InvalidInput) as excinfo:
        refuse_extension(actor=loop.dispatcher, task=task, reason="")
    assert list(excinfo.value.fields) == ["reason"]
    refuse_extension(actor=loop.dispatcher, task=task, reason="期限内可完成")
    task.refresh_from_db()
    assert (task.extension_status, task.handle_deadline) == (ExtensionStatus.REFUSED, deadline)
    with pytest.raises(Conflict):  # nothing pending any more
        grant_extension(actor=loop.dispatcher, task=task)
    request_extension(actor=loop.handler, task=task, until=until, reason="材料仍未到")
    task.refresh_from_db()
    assert task.extension_status == ExtensionStatus.PENDING
    assert [a for a, *_ in actions(case)][-3:] == [
        "extension_request",
        "extension_refuse",
        "extension_request",
    ]


def test_an_extension_needs_a_later_time_a_reason_and_an_order_in_hand(loop):
    case = dispatched(loop)
    task = case.tasks.get()
    later = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(Conflict):  # not taken yet
        request_extension(actor=loop.handler, task=task, until=later, reason="忙")
    take_task(actor=loop.handler, task=task)
    task.refresh_from_db()
    with pytest.raises(InvalidInput) as excinfo:
        request_extension(actor=loop.handler, task=task, until=task.handle_deadline, reason="")
    assert set(excinfo.value.fields) == {"until", "reason"}
    with pytest.raises(NotFound):  # another department's order
        request_extension(actor=loop.police_handler, task=task, until=later, reason="忙")
    with pytest.raises(Forbidden):
        request_extension(actor=loop.dispatcher, task=task, until=later, reason="忙")
    request_extension(actor=loop.handler, task=task, until=later, reason="忙")
    for who in ("handler", "coordinator", "grid_officer"):
        with pytest.raises(Forbidden):
            grant_extension(actor=getattr(loop, who), task=task)
    task.refresh_from_db()
    assert task.extension_status == ExtensionStatus.PENDING


# --- Hold and resume -------------------------------------------------------------------------


def test_the_centre_resumes_a_held_case_with_a_fresh_dispatch_clock(loop):
    case = dispatched(loop)
    hold_case(
        actor=loop.dispatcher,
        case=case,
        reason="待规划",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    assert fresh(case).tasks.get().status == TaskStatus.CANCELLED  # out of the inbox
    with pytest.raises(Forbidden):
        resume_case(actor=loop.coordinator, case=case)
    before = timezone.now()
    resume_case(actor=loop.dispatcher, case=case, note="规划已批")
    case = fresh(case)
    assert (case.status, case.step, case.hold_until) == ("accepted", Step.DISPATCH, None)
    assert case.step_deadline >= due(case.category, case.urgency, Step.DISPATCH, before)
    assert actions(case)[-1] == ("resume", "on_hold", "accepted")
    with pytest.raises(Conflict):
        resume_case(actor=loop.dispatcher, case=case)


# --- Street coordination -----------------------------------------------------------------------


def test_the_street_coordinates_and_dispatches_a_case(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    with pytest.raises(Forbidden):  # not coordinated yet
        dispatch_case(actor=loop.coordinator, case=case, lead=loop.cg)
    coordinate_case(actor=loop.coordinator, case=case, note="需多部门")
    with pytest.raises(Conflict):
        coordinate_case(actor=loop.coordinator, case=case)
    dispatch_case(actor=loop.coordinator, case=case, lead=loop.cg, co_departments=(loop.police,))
    case = fresh(case)
    assert case.coordinated and case.status == CaseStatus.DISPATCHED
    assert [a for a, *_ in actions(case)] == ["report", "accept", "coordinate", "dispatch"]


def test_the_centre_may_coordinate_but_not_another_street_or_a_department(loop, city):
    other = grant(UserFactory(username="s2_coord"), Role.STREET_COORDINATOR, city.s2)
    case = whistle(loop)
    for who in (other, loop.handler, loop.secretary, loop.courier):
        with pytest.raises(Forbidden):
            coordinate_case(actor=who, case=case)
    coordinate_case(actor=loop.dispatcher, case=case)
    assert fresh(case).coordinated


def test_a_closed_case_is_not_coordinated(loop):
    case = closed(loop)
    with pytest.raises(Conflict):
        coordinate_case(actor=loop.coordinator, case=case)


def test_a_joint_action_is_recorded_on_each_of_its_cases(loop, city):
    first, second = whistle(loop), whistle(loop, idempotency_key="2")
    action = record_joint_action(
        actor=loop.coordinator,
        date=timezone.localdate(),
        place=city.s1,
        departments=[loop.cg, loop.police],
        cases=[first, second, first],
        cases_solved=2,
        notes="整治消防通道",
    )
    assert set(action.cases.all()) == {first, second}
    assert set(action.departments.all()) == {loop.cg, loop.police}
    for case in (first, second):
        assert actions(case)[-1] == ("joint_action", "reported", "reported")
    assert AuditRecord.objects.filter(action="joint_action.record").count() == 1


def test_a_joint_action_is_checked_and_the_streets_own(loop, city):
    in_s2 = whistle(loop, point=IN_G3)
    with pytest.raises(InvalidInput) as excinfo:
        record_joint_action(
            actor=loop.coordinator,
            date=timezone.localdate() + dt.timedelta(days=1),
            place=city.s1,
            departments=[],
            cases=[in_s2],
            cases_solved=-1,
        )
    assert set(excinfo.value.fields) == {"date", "departments", "cases", "cases_solved"}
    for who in ("dispatcher", "secretary", "handler"):
        with pytest.raises(Forbidden):
            record_joint_action(
                actor=getattr(loop, who),
                date=timezone.localdate(),
                place=city.s1,
                departments=[loop.cg],
            )
    with pytest.raises(Forbidden):  # the other street
        record_joint_action(
            actor=loop.coordinator, date=timezone.localdate(), place=city.s2, departments=[loop.cg]
        )
    assert JointAction.objects.count() == 0
    assert [a for a, *_ in actions(in_s2)] == ["report"]


def test_cases_for_includes_followed_cases(loop):
    case = whistle(loop)
    assert case in cases_for(loop.courier)
    assert case not in cases_for(loop.resident)
