"""Objections (派单异议), reassignment (改派), a case never left without a lead, and the
closing deadline (close_deadline) — each a small story."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhili.bulletins.metrics import department_figures
from zhili.cases.models import (
    Case,
    CaseStatus,
    CaseTask,
    ObjectionStatus,
    Step,
    TaskRole,
    TaskStatus,
    TimeLimit,
)
from zhili.cases.offers import ACTS
from zhili.cases.services.common import due
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    return_task,
    take_task,
    verify_case,
)
from zhili.cases.services.reassignment import decide_objection, object_to_order, reassign_case
from zhili.cases.tests.conftest import as_user, whistle
from zhili.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhili.core.workcalendar import TimeUnit
from zhili.notifications.models import Notification


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def order(case: Case, department) -> CaseTask:
    return CaseTask.objects.filter(case=case, department=department).latest("id")


def both(loop) -> Case:
    """A case dispatched to 城管 (lead) and 公安 (co-department)."""
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=(loop.police,))
    return fresh(case)


def offered(actor, case: Case) -> set[str]:
    case = fresh(case)
    return {name for name, act in ACTS.items() if act.offered(actor, case)}


# --- Never without a lead ---------------------------------------------------------------------


def test_when_the_lead_returns_its_order_the_centre_must_name_a_new_lead(loop):
    case = both(loop)
    return_task(actor=loop.handler, task=order(case, loop.cg), reason="属公安管辖")

    case = fresh(case)
    # Still with 公安, but on the centre's dispatch clock, and the centre is offered 改派.
    assert case.status == CaseStatus.DISPATCHED and case.step == Step.DISPATCH
    assert order(case, loop.police).status == TaskStatus.DISPATCHED
    assert "reassign" in offered(loop.dispatcher, case)
    assert "dispatch" not in offered(loop.dispatcher, case)

    # 公安 finishes its part: with no lead the case is not handled.
    police = order(case, loop.police)
    take_task(actor=loop.police_handler, task=police)
    handle_task(actor=loop.police_handler, task=police, result="已疏导")
    assert fresh(case).status == CaseStatus.DISPATCHED

    # The centre names 公安 the lead: its handled order continues, and the case is handled.
    reassign_case(actor=loop.dispatcher, case=case, lead=loop.police, reason="改由公安牵头")
    case = fresh(case)
    assert case.status == CaseStatus.HANDLED and case.reassign_count == 1
    police = order(case, loop.police)
    assert (police.role, police.status) == (TaskRole.LEAD, TaskStatus.HANDLED)


def test_the_bulletin_credits_the_case_to_the_reassigned_lead(loop):
    case = both(loop)
    return_task(actor=loop.handler, task=order(case, loop.cg), reason="属公安管辖")
    reassign_case(actor=loop.dispatcher, case=case, lead=loop.police, reason="改由公安牵头")
    police = order(case, loop.police)
    take_task(actor=loop.police_handler, task=police)
    handle_task(actor=loop.police_handler, task=police, result="已疏导")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)

    today = timezone.localdate()
    bulletin = department_figures(start=today, end=today)
    assert (bulletin.department("ga").due_to_close, bulletin.department("ga").closed) == (1, 1)
    assert bulletin.department("cg").due_to_close == 0
    assert bulletin.totals.reassigned == 1


# --- Reassignment ----------------------------------------------------------------------------


def test_reassigning_keeps_continuing_orders_cancels_dropped_ones_and_adds_new(loop, department):
    from zhili.core.permissions import Role
    from zhili.testing.factories import DepartmentFactory, UserFactory, grant

    env = DepartmentFactory(
        code="hb", name="生态环境局", short_name="环保", jurisdiction=loop.cg.jurisdiction
    )
    env_handler = grant(UserFactory(username="env"), Role.HANDLER, loop.cg.jurisdiction, env)
    case = both(loop)
    police = order(case, loop.police)
    take_task(actor=loop.police_handler, task=police)
    before = order(case, loop.cg)

    with pytest.raises(InvalidInput) as same:
        reassign_case(
            actor=loop.dispatcher,
            case=case,
            lead=loop.cg,
            co_departments=(loop.police,),
            reason="x",
        )
    assert "lead" in same.value.fields
    with pytest.raises(Forbidden):
        reassign_case(actor=loop.handler, case=case, lead=env, reason="越权")

    reassign_case(
        actor=loop.dispatcher, case=case, lead=env, co_departments=(loop.police,), reason="派错了"
    )
    case = fresh(case)
    cg = CaseTask.objects.get(pk=before.pk)
    assert cg.status == TaskStatus.CANCELLED and cg.reassigned_at is not None
    police = CaseTask.objects.get(pk=police.pk)
    assert (police.status, police.role) == (TaskStatus.TAKEN, TaskRole.CO)  # as it stood
    new = order(case, env)
    assert (new.role, new.status) == (TaskRole.LEAD, TaskStatus.DISPATCHED)
    assert new.take_deadline == due(case.category, case.urgency, Step.TAKE, new.dispatched_at)
    assert case.step == Step.TAKE and case.step_deadline == new.take_deadline
    # 环保 is told of its new order, 城管 that its order is withdrawn; 公安 nothing new.
    kinds = {(n.recipient.username, n.kind) for n in Notification.objects.all()}
    assert ("env", "new_task") in kinds and ("handler", "withdrawn") in kinds
    assert env_handler.notifications.filter(kind="new_task").count() == 1
    today = timezone.localdate()
    bulletin = department_figures(start=today, end=today)
    # The withdrawn order counts as reassigned, and in nothing else.
    assert (bulletin.department("cg").reassigned, bulletin.department("cg").dispatched) == (1, 0)


# --- Objections --------------------------------------------------------------------------------


def test_an_objection_the_centre_refuses_leaves_the_department_to_take_the_order(loop):
    case = both(loop)
    police = order(case, loop.police)
    with pytest.raises(InvalidInput):
        object_to_order(actor=loop.police_handler, task=police, reason="")
    with pytest.raises(NotFound):  # another department's order
        object_to_order(actor=loop.handler, task=police, reason="不归我们")
    object_to_order(actor=loop.police_handler, task=police, reason="不属于治安范畴")

    assert Notification.objects.filter(recipient=loop.dispatcher, kind="objection").count() == 1
    assert offered(loop.police_handler, case) & {"take", "return", "object"} == set()
    with pytest.raises(Conflict):  # awaiting the centre
        take_task(actor=loop.police_handler, task=police)
    assert "decide_objection" in offered(loop.dispatcher, case)

    with pytest.raises(InvalidInput):  # kept without a reason
        decide_objection(actor=loop.dispatcher, task=police, upheld=False)
    decide_objection(actor=loop.dispatcher, task=police, upheld=False, reason="占道涉及交通秩序")
    police = CaseTask.objects.get(pk=police.pk)
    assert police.objection_status == ObjectionStatus.KEPT
    assert police.objection_answer == "占道涉及交通秩序"
    assert loop.police_handler.notifications.filter(kind="objection").count() == 1
    assert offered(loop.police_handler, case) & {"take", "return", "object"} == {"take"}
    with pytest.raises(Conflict):
        return_task(actor=loop.police_handler, task=police, reason="还是不归我们")
    take_task(actor=loop.police_handler, task=police)
    assert CaseTask.objects.get(pk=police.pk).status == TaskStatus.TAKEN


def test_an_upheld_objection_takes_the_order_back_as_returned_and_reassigned(loop):
    case = both(loop)
    cg = order(case, loop.cg)
    object_to_order(actor=loop.handler, task=cg, reason="属公安管辖")
    decide_objection(actor=loop.dispatcher, task=cg, upheld=True, reason="同意")

    cg = CaseTask.objects.get(pk=cg.pk)
    assert cg.status == TaskStatus.RETURNED and cg.objection_status == ObjectionStatus.UPHELD
    assert cg.returned_at == cg.objected_at and cg.return_reason == "属公安管辖"
    assert cg.reassigned_at is not None
    assert loop.handler.notifications.filter(kind="objection").count() == 1
    # 公安 stays; the lead is gone, so the case waits for the centre.
    assert fresh(case).step == Step.DISPATCH
    reassign_case(actor=loop.dispatcher, case=case, lead=loop.police, reason="公安牵头")
    today = timezone.localdate()
    figures = department_figures(start=today, end=today).department("cg")
    assert (figures.dispatched, figures.returned, figures.reassigned) == (1, 1, 1)


def test_objection_reassignment_and_rework_over_the_api(client, loop):
    case = both(loop)
    police = order(case, loop.police)
    as_user(client, loop.police_handler)
    answer = client.post(
        f"/api/v1/cases/{case.pk}/object",
        {"reason": "不属于治安范畴", "task": police.pk},
        content_type="application/json",
    )
    assert answer.status_code == 200
    task = next(t for t in answer.json()["tasks"] if t["id"] == police.pk)
    assert (task["objection_status"], task["objection_reason"]) == ("pending", "不属于治安范畴")

    as_user(client, loop.dispatcher)
    answer = client.post(
        f"/api/v1/cases/{case.pk}/decide_objection",
        {"upheld": True},
        content_type="application/json",
    )
    assert answer.status_code == 200
    answer = client.post(
        f"/api/v1/cases/{case.pk}/reassign",
        {"lead_id": loop.police.pk, "co_department_ids": [loop.cg.pk], "reason": "改派"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["reassign_count"] == 1
    roles = {(t["department"], t["role"], t["status"]) for t in answer.json()["tasks"]}
    assert ("城管", "co", "dispatched") in roles and ("公安", "lead", "dispatched") in roles
    missing = client.post(
        f"/api/v1/cases/{case.pk}/reassign",
        {"lead_id": loop.police.pk},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]


def test_the_case_page_offers_objection_and_reassignment_in_chinese(client, loop):
    case = both(loop)
    as_user(client, loop.police_handler)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="act-object"' in page and "提出派单异议" in page
    answer = client.post(
        f"/cases/{case.pk}/object/",
        {
            "object-version": fresh(case).version,
            "object-task": order(case, loop.police).pk,
            "object-reason": "不属于治安范畴",
        },
    )
    assert answer.status_code == 302
    as_user(client, loop.dispatcher)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审核派单异议" in page and "改派" in page and "异议成立：收回派单" in page


# --- The closing deadline ----------------------------------------------------------------------


def test_the_closing_deadline_runs_from_the_report_of_handling_on_the_categorys_limit(loop):
    TimeLimit.objects.create(
        category=loop.category,
        urgency="normal",
        step=Step.CLOSE,
        amount=Decimal(3),
        unit=TimeUnit.WORKING_DAYS,
    )
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = order(case, loop.cg)
    take_task(actor=loop.handler, task=task)
    assert fresh(case).close_deadline is None
    handle_task(actor=loop.handler, task=task, result="已劝离")
    handled_at = CaseTask.objects.get(pk=task.pk).handled_at
    case = fresh(case)
    assert case.close_deadline == due(case.category, "normal", Step.CLOSE, handled_at)
    assert case.close_deadline >= handled_at + dt.timedelta(days=3)
    assert CaseTask.objects.get(pk=task.pk).case_close_deadline == case.close_deadline

    verify_case(actor=loop.grid_officer, case=case, passed=False, note="未清理干净")
    assert fresh(case).close_deadline is None  # counted again at the next report
    handle_task(actor=loop.handler, task=task, result="已清理")
    assert fresh(case).close_deadline is not None


def test_a_case_closed_after_its_closing_deadline_is_not_closed_on_time(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = order(case, loop.cg)
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已劝离")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    # The centre leaves it: the closing deadline passes before it closes.
    Case.objects.filter(pk=case.pk).update(close_deadline=timezone.now() - dt.timedelta(hours=1))
    close_case(actor=loop.dispatcher, case=case)

    today = timezone.localdate()
    figures = department_figures(start=today, end=today).department("cg")
    assert (figures.closed, figures.closed_on_time) == (1, 0)


def test_the_inbox_offers_what_the_act_table_allows_on_each_order(client, loop):
    case = both(loop)
    as_user(client, loop.police_handler)
    page = client.get("/cases/inbox/").content.decode()
    assert 'data-testid="take"' in page and 'data-testid="object"' in page
    object_to_order(actor=loop.police_handler, task=order(case, loop.police), reason="非治安")
    page = client.get("/cases/inbox/").content.decode()
    # Awaiting the centre: neither taken, returned nor objected to again from here.
    assert 'data-testid="take"' not in page and 'data-testid="object"' not in page
    assert 'data-testid="objection-pending"' in page
