"""Objections (派单异议) and reassignment (改派), as the 12345 rules have them: a department
that finds an order not its remit objects with a reason; the centre reviews the objection and
either keeps the order with the department or takes it back; and the centre moves a case
that is with the departments to another lead, with co-departments, at any time.

A case is never left with the departments without a lead: when the lead's order goes (its
return, its objection upheld) while others work on, the case waits on the centre's dispatch
clock until it reassigns a lead (flow.refresh_clock). Each function checks its act against
its row of zhili/cases/act_rules.py and writes one timeline entry and audit record."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    LIVE_TASK_STATUSES,
    OBJECTION_TRANSITIONS,
    Case,
    CaseTask,
    ObjectionStatus,
    Step,
    TaskRole,
    TaskStatus,
)
from zhili.cases.services.checks import case_for_act, order_for_act
from zhili.cases.services.common import due, move_task, need_reason, touch_case
from zhili.cases.services.deadlines import note_deadline
from zhili.cases.services.flow import departments_for, refresh_clock
from zhili.core.errors import Conflict, InvalidInput
from zhili.orgs.models import Department


def _move_objection(task: CaseTask, to: str) -> None:
    if to not in OBJECTION_TRANSITIONS.get(task.objection_status, set()):
        raise Conflict(_("This order has no objection awaiting the centre."))
    task.objection_status = to


@transaction.atomic
def object_to_order(*, actor, task: CaseTask, reason: str) -> CaseTask:
    """A department objects to an order it was sent (派单异议), with the reason: the centre
    reviews it (decide_objection); meanwhile the order waits, neither taken nor returned.
    Who may: a handler of the order's department, once per order, before taking it.
    Raises InvalidInput on "reason"."""
    task, case = order_for_act(actor, "object", task)
    reason = need_reason(reason)
    _move_objection(task, ObjectionStatus.PENDING)
    task.objection_reason, task.objected_at = reason, timezone.now()
    task.save(update_fields=["objection_status", "objection_reason", "objected_at"])
    touch_case(actor=actor, case=case, action="objection", task=task, note=reason)
    return task


@transaction.atomic
def decide_objection(*, actor, task: CaseTask, upheld: bool, reason: str = "") -> CaseTask:
    """The centre's review of a department's objection (派单异议审核).

    Kept (not upheld): the order stands, with the centre's reason (required); the department
    must take it (it may not return it or object again). Upheld: the order is taken back,
    counted as returned (退单) when the department objected, and as moved elsewhere
    (reassigned_at); if it was the lead's, the case waits for the centre to reassign a lead
    (reassign_case), or goes back to the centre (accepted) when no order is left.
    Who may: the centre (cases.dispatch) over the case's place. Raises InvalidInput on
    "reason" when the order is kept without one."""
    task, case = order_for_act(actor, "decide_objection", task)
    if not upheld:
        reason = need_reason(reason)
        _move_objection(task, ObjectionStatus.KEPT)
        task.objection_answer = reason
        task.save(update_fields=["objection_status", "objection_answer"])
        touch_case(actor=actor, case=case, action="objection_kept", task=task, note=reason)
        return task
    reason = (reason or "").strip()[:2000]
    _move_objection(task, ObjectionStatus.UPHELD)
    move_task(task, TaskStatus.RETURNED)
    # The department answered when it objected: that is its response to the order.
    task.returned_at, task.return_reason = task.objected_at, task.objection_reason
    task.objection_answer, task.reassigned_at = reason, timezone.now()
    task.save()
    refresh_clock(actor, case, action="objection_upheld", task=task, note=reason)
    return task


@transaction.atomic
def reassign_case(
    *,
    actor,
    case: Case,
    lead: Department | None,
    co_departments: tuple[Department, ...] = (),
    reason: str,
    version: int | None = None,
) -> Case:
    """Move a case that is with the departments to another lead and co-departments (改派).
    The orders of departments no longer on it are cancelled (and counted as moved elsewhere,
    reassigned_at); a department that stays keeps its order as it stands, in its new role;
    a new department gets a new order with a fresh take-by clock. Who may: the centre; for
    a coordinated case, the street coordinator too. Raises InvalidInput on "lead",
    "co_departments" (as dispatch_case) and "reason"; on "lead" when nothing would change."""
    case = case_for_act(actor, "reassign", case, version)
    reason = need_reason(reason)
    departments = departments_for(case, lead, tuple(co_departments))
    live = list(
        case.tasks.select_for_update()
        .select_related("department")
        .filter(status__in=LIVE_TASK_STATUSES)
        .order_by("id")
    )
    before = {t.department_id: t.role for t in live}
    after = {d.pk: TaskRole.LEAD if d == lead else TaskRole.CO for d in departments}
    if before == after:
        raise InvalidInput(fields={"lead": [_("These departments have the case already.")]})
    now = timezone.now()
    cancelled = []
    for task in live:
        if task.department_id not in after:
            task.cancelled_from = move_task(task, TaskStatus.CANCELLED)
            task.reassigned_at = now
            task.save(update_fields=["status", "reassigned_at"])
            cancelled.append(task)
        elif task.role != after[task.department_id]:
            task.role = after[task.department_id]
            task.save(update_fields=["role"])
    take_by = due(case.category, case.urgency, Step.TAKE, now)
    added = []
    for department in departments:
        if department.pk in before:
            continue
        task = CaseTask.objects.create(
            case=case,
            department=department,
            dispatched_at=now,
            take_deadline=take_by,
            role=after[department.pk],
        )
        note_deadline(case=case, task=task, step=Step.TAKE, start=now, due_at=take_by)
        added.append(task)
    case.reassign_count += 1
    case.new_orders = added  # for the listeners: the departments to tell of their new order
    names = "、".join(d.short_name for d in departments)
    earlier = "、".join(t.department.short_name for t in live if t.department_id in before)
    refresh_clock(
        actor,
        case,
        action="reassign",
        task=None,
        note=reason,
        changes={"departments": [earlier or None, names]},
        cancelled=cancelled,
    )
    return case
