"""The case loop as people run it: from the whistle to the rating, and every refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from zhili.audit.models import AuditRecord
from zhili.cases.models import Case, CaseEvent, CaseStatus, TaskStatus
from zhili.cases.selectors import cases_for, inbox_for
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    hold_case,
    rate_case,
    reject_case,
    return_task,
    take_task,
    verify_case,
    void_case,
)
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import whistle
from zhili.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhili.core.permissions import Role
from zhili.people.tests.helpers import zh
from zhili.testing.factories import UserFactory, grant


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_whistle_runs_to_a_rating(loop, city):
    case = whistle(loop)
    assert (case.status, case.place, case.channel) == ("reported", city.g1, "courier")
    assert case.number.endswith(f"{case.pk:06d}")

    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    [task] = fresh(case).tasks.all()
    assert list(inbox_for(loop.handler)) == [task]
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已劝离车辆，设置隔离桩")
    assert fresh(case).status == CaseStatus.HANDLED
    verify_case(actor=loop.grid_officer, case=case, passed=True, note="现场已畅通")
    close_case(actor=loop.dispatcher, case=case)
    with pytest.raises(InvalidInput) as refused:
        rate_case(actor=loop.courier, case=case, rating="excellent")
    assert refused.value.fields["rating"] == [
        zh("Choose one of: %(choices)s.") % {"choices": "满意 / 基本满意 / 不满意"}
    ]
    rate_case(actor=loop.courier, case=case, rating="satisfied", comment="处理很快")

    case = fresh(case)
    assert (case.status, case.rating) == (CaseStatus.CLOSED, "satisfied")
    assert case.tasks.get().status == TaskStatus.VERIFIED
    steps = list(CaseEvent.objects.filter(case=case).values_list("action", "actor_label"))
    assert steps == [
        ("report", "courier"),
        ("accept", "dispatcher"),
        ("dispatch", "dispatcher"),
        ("take", "handler"),
        ("handle", "handler"),
        ("verify", "grid_officer"),
        ("close", "dispatcher"),
        ("rate", "courier"),
    ]
    # Every step is also one audit record, with the same actor.
    audited = AuditRecord.objects.filter(object_id=str(case.pk), action__startswith="case.")
    assert [r.action for r in audited.order_by("id")] == [f"case.{a}" for a, _ in steps]


def test_the_same_report_sent_three_times_makes_one_case(loop):
    cases = {whistle(loop, idempotency_key="phone-42").pk for _ in range(3)}
    assert len(cases) == 1 and Case.objects.count() == 1


def test_a_point_outside_the_city_is_a_field_error_and_files_nothing(loop):
    with pytest.raises(InvalidInput) as excinfo:
        whistle(loop, longitude=100.0, latitude=30.0)
    assert list(excinfo.value.fields) == ["longitude"]
    assert Case.objects.count() == 0


def test_a_report_needs_words_a_place_and_the_required_answers(loop):
    loop.category.attributes = [{"code": "plate", "label": "车牌号", "required": True}]
    loop.category.save()
    with pytest.raises(InvalidInput) as excinfo:
        report_case(actor=loop.courier, category=loop.category, description=" ")
    assert set(excinfo.value.fields) == {"description", "longitude", "attributes.plate"}


@pytest.mark.parametrize("who", ["courier", "secretary", "handler", "grid_officer", "outsider"])
def test_only_the_centre_accepts(loop, who):
    case = whistle(loop)
    with pytest.raises(Forbidden):
        accept_case(actor=getattr(loop, who), case=case)
    assert fresh(case).status == CaseStatus.REPORTED


def test_moves_out_of_order_are_refused_with_the_current_state(loop):
    case = whistle(loop)
    with pytest.raises(Conflict):
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)  # not accepted yet
    accept_case(actor=loop.dispatcher, case=case)
    with pytest.raises(Conflict):
        accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = fresh(case).tasks.get()
    with pytest.raises(Conflict):
        handle_task(actor=loop.handler, task=task, result="done")  # not taken
    with pytest.raises(Conflict):
        close_case(actor=loop.dispatcher, case=case)  # not verified
    with pytest.raises(Conflict):  # not closed: refused by its status, as every act
        rate_case(actor=loop.courier, case=case, rating="satisfied")


def test_a_page_showing_an_old_version_is_told_the_case_changed(loop):
    case = whistle(loop)
    shown = case.version
    accept_case(actor=loop.dispatcher, case=case, version=shown)
    with pytest.raises(Conflict):
        reject_case(actor=loop.dispatcher, case=case, reason="重复", version=shown)
    assert fresh(case).status == CaseStatus.ACCEPTED


def test_another_departments_order_is_not_found_for_a_handler(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = fresh(case).tasks.get()
    with pytest.raises(NotFound):
        take_task(actor=loop.police_handler, task=task)
    assert list(inbox_for(loop.police_handler)) == []


def test_a_returned_order_goes_back_to_the_centre_and_can_be_redispatched(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    with pytest.raises(InvalidInput):
        return_task(actor=loop.handler, task=fresh(case).tasks.get(), reason="")
    return_task(actor=loop.handler, task=fresh(case).tasks.get(), reason="属公安管辖")
    assert fresh(case).status == CaseStatus.ACCEPTED
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.police)
    statuses = sorted(fresh(case).tasks.values_list("department__code", "status"))
    assert statuses == [("cg", "returned"), ("ga", "dispatched")]


def test_a_case_with_a_co_department_waits_for_both(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=(loop.police,))
    roles = set(fresh(case).tasks.values_list("department__code", "role"))
    assert roles == {("cg", "lead"), ("ga", "co")}
    for handler, task in (
        (loop.handler, fresh(case).tasks.get(department=loop.cg)),
        (loop.police_handler, fresh(case).tasks.get(department=loop.police)),
    ):
        take_task(actor=handler, task=task)
    handle_task(actor=loop.handler, task=fresh(case).tasks.get(department=loop.cg), result="ok")
    assert fresh(case).status == CaseStatus.DISPATCHED  # the police have not finished
    handle_task(
        actor=loop.police_handler, task=fresh(case).tasks.get(department=loop.police), result="ok"
    )
    assert fresh(case).status == CaseStatus.HANDLED


def test_a_case_with_a_co_department_runs_on_its_earliest_pending_clock(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=(loop.police,))
    lead, co = (fresh(case).tasks.get(department=d) for d in (loop.cg, loop.police))
    take_task(actor=loop.handler, task=lead)
    case = fresh(case)  # the police still have to take theirs: the take-by clock runs
    assert (case.step, case.step_deadline) == ("take", co.take_deadline)
    take_task(actor=loop.police_handler, task=co)
    case = fresh(case)
    deadlines = fresh(case).tasks.values_list("handle_deadline", flat=True)
    assert (case.step, case.step_deadline) == ("handle", min(deadlines))
    assert CaseEvent.objects.filter(case=case, action="take").count() == 2


def test_a_failed_check_sends_the_work_back_as_rework(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = fresh(case).tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已处理")
    with pytest.raises(InvalidInput):
        verify_case(actor=loop.grid_officer, case=case, passed=False)  # say why
    verify_case(actor=loop.grid_officer, case=case, passed=False, note="车辆仍在")
    case = fresh(case)
    task = case.tasks.get()
    assert (case.status, case.rework_count) == (CaseStatus.DISPATCHED, 1)
    assert (task.status, task.rework_count) == (TaskStatus.TAKEN, 1)


def test_a_grid_officer_of_another_community_cannot_verify(loop, city):
    stranger = grant(UserFactory(username="g3_officer"), Role.GRID_OFFICER, city.g3)
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = fresh(case).tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="ok")
    with pytest.raises(Forbidden):
        verify_case(actor=stranger, case=case, passed=True)


def test_only_the_reporter_rates_and_only_once(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = fresh(case).tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="ok")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    with pytest.raises(NotFound):
        rate_case(actor=loop.resident, case=case, rating="dissatisfied")
    rate_case(actor=loop.courier, case=case, rating="basically")
    with pytest.raises(InvalidInput):
        rate_case(actor=loop.courier, case=case, rating="satisfied")
    assert fresh(case).rating == "basically"


def test_voiding_cancels_the_live_orders_and_a_hold_needs_a_later_review_date(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    with pytest.raises(InvalidInput):
        hold_case(actor=loop.dispatcher, case=case, reason="待规划", review_on=timezone.localdate())
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    void_case(actor=loop.dispatcher, case=case, reason="误报")
    assert fresh(case).status == CaseStatus.VOIDED
    assert fresh(case).tasks.get().status == TaskStatus.CANCELLED
    other = whistle(loop, idempotency_key="2")
    accept_case(actor=loop.dispatcher, case=other)
    hold_case(
        actor=loop.dispatcher,
        case=other,
        reason="待规划",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    assert fresh(other).status == CaseStatus.ON_HOLD


def test_who_sees_which_case(loop, city):
    case = whistle(loop)
    assert case in cases_for(loop.dispatcher)
    assert case in cases_for(loop.secretary)  # 翠平社区 holds g1
    assert case not in cases_for(loop.other_secretary)
    assert case in cases_for(loop.courier)  # the reporter
    assert case not in cases_for(loop.resident)
    assert case not in cases_for(loop.handler)  # not dispatched to 城管 yet
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    assert case in cases_for(loop.handler)
    assert case not in cases_for(loop.police_handler)


def test_naming_the_lead_also_as_a_co_department_is_refused_with_the_reason(loop):
    from zhili.cases.services.flow import accept_case, dispatch_case
    from zhili.cases.tests.conftest import whistle
    from zhili.core.errors import InvalidInput

    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    with pytest.raises(InvalidInput) as refused:
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=(loop.cg,))

    assert list(refused.value.fields) == ["co_departments"]
    case.refresh_from_db()
    assert case.status == "accepted" and not case.tasks.exists()
