"""The centre's corrections and the loop's side roads: re-categorise, reopen, extend (延期)
and resume from hold. Like flow.py: one function per act, the case locked, the actor's role
and place checked, illegal moves refused by the tables, one timeline entry and audit record."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    EXTENSION_TRANSITIONS,
    Case,
    CaseStatus,
    CaseTask,
    Category,
    ExtensionStatus,
    Step,
    TaskStatus,
    refuse_unless_act_allowed,
    refuse_unless_allowed,
)
from zhili.cases.services.common import (
    cancel_live_tasks,
    due,
    follow_task_clocks,
    live_tasks,
    lock_case,
    lock_task,
    move_case,
    need_reason,
    task_for_handler,
    touch_case,
)
from zhili.cases.services.deadlines import note_deadline
from zhili.core import permissions
from zhili.core.errors import Conflict, InvalidInput, NotFound
from zhili.core.permissions import Cap

DEFAULT_REOPEN_DAYS = 7


@transaction.atomic
def recategorise_case(
    *, actor, case: Case, category: Category, note: str = "", version: int | None = None
) -> Case:
    """Change a case's category (the centre, cases.dispatch). A reported or accepted case
    restarts its accept or dispatch clock on the new category's limits; a dispatched case has
    its live orders cancelled and returns to the centre (accepted) to be re-routed. Refused
    once the departments have handled it."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    refuse_unless_act_allowed("recategorise", case.status)
    if not isinstance(category, Category) or not category.is_active:
        raise InvalidInput(fields={"category": [_("Choose a category from the list.")]})
    if category.pk == case.category_id:
        raise InvalidInput(fields={"category": [_("This is the case's category already.")]})
    note = (note or "").strip()[:2000]
    changes = {"category": [str(case.category), str(category)]}
    case.category = category
    now = timezone.now()
    if case.status == CaseStatus.DISPATCHED:
        cancelled = cancel_live_tasks(case)
        move_case(
            actor=actor,
            case=case,
            to=CaseStatus.ACCEPTED,
            action="recategorise",
            cancelled=cancelled,
            note=note,
            changes=changes,
            step=Step.DISPATCH,
            step_deadline=due(category, case.urgency, Step.DISPATCH, now),
        )
        note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
        return case
    if case.status == CaseStatus.REPORTED:
        case.step_deadline = due(category, case.urgency, Step.ACCEPT, now)
    elif case.status == CaseStatus.ACCEPTED:
        case.step_deadline = due(category, case.urgency, Step.DISPATCH, now)
    touch_case(actor=actor, case=case, action="recategorise", note=note, changes=changes)
    note_deadline(case=case, step=case.step, start=now, due_at=case.step_deadline)
    return case


def reopen_days() -> int:
    return getattr(settings, "CASE_REOPEN_DAYS", DEFAULT_REOPEN_DAYS)


@transaction.atomic
def reopen_case(*, actor, case: Case, reason: str, version: int | None = None) -> Case:
    """The reporter finds a closed case not fixed: within CASE_REOPEN_DAYS of its closure it
    returns to the centre (accepted) as rework, its orders closed and its rating cleared so
    that it can be rated again. Who may: the case's reporter (anyone else: not found).
    Raises InvalidInput on "reason" without a reason or after the window."""
    case = lock_case(case, version)
    if case.reporter_id is None or case.reporter_id != getattr(actor, "pk", None):
        raise NotFound()
    refuse_unless_act_allowed("reopen", case.status)
    reason = need_reason(reason)
    days = reopen_days()
    now = timezone.now()
    if case.closed_at is None or now > case.closed_at + dt.timedelta(days=days):
        raise InvalidInput(
            fields={
                "reason": [
                    _("A case can be reopened within %(n)d days of its closure.") % {"n": days}
                ]
            }
        )
    # The verified orders of the round that did not fix it.
    cancelled = cancel_live_tasks(case)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ACCEPTED,
        action="reopen",
        cancelled=cancelled,
        note=reason,
        changes={"rating": [case.rating or None, None]} if case.rating else None,
        rework_count=case.rework_count + 1,
        closed_at=None,
        rating="",
        rating_comment="",
        rated_at=None,
        step=Step.DISPATCH,
        step_deadline=due(case.category, case.urgency, Step.DISPATCH, now),
    )
    note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
    return case


@transaction.atomic
def resume_case(*, actor, case: Case, note: str = "", version: int | None = None) -> Case:
    """Take a case off hold (挂账) on review: back to the centre (accepted) with a fresh
    dispatch clock. Who may: the centre (cases.dispatch) over the case's place."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    refuse_unless_act_allowed("resume", case.status)
    cancelled = cancel_live_tasks(case)
    now = timezone.now()
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ACCEPTED,
        action="resume",
        cancelled=cancelled,
        note=(note or "").strip()[:2000],
        hold_until=None,
        step=Step.DISPATCH,
        step_deadline=due(case.category, case.urgency, Step.DISPATCH, now),
    )
    note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
    return case


def _move_extension(task: CaseTask, to: str) -> None:
    # Only an order in hand has a handle-by time to move.
    refuse_unless_allowed(
        {TaskStatus.TAKEN: {TaskStatus.TAKEN}}, task.status, TaskStatus.TAKEN, _("department task")
    )
    if to not in EXTENSION_TRANSITIONS.get(task.extension_status, set()):
        if task.extension_status == ExtensionStatus.PENDING:
            raise Conflict(_("This order already has a request for more time awaiting the centre."))
        raise Conflict(_("This order has no request for more time awaiting the centre."))
    task.extension_status = to


@transaction.atomic
def request_extension(*, actor, task: CaseTask, until: dt.datetime, reason: str) -> CaseTask:
    """A department asks for more time (延期) on an order it has taken: a new handle-by time
    later than the current one, and the reason. One request at a time per order. Who may:
    a handler of the order's department. Raises InvalidInput on "until" or "reason"."""
    task, case = task_for_handler(actor, task)
    _move_extension(task, ExtensionStatus.PENDING)
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Give the reason.")]
    if not isinstance(until, dt.datetime) or timezone.is_naive(until):
        errors["until"] = [_("Give the new date and time.")]
    elif task.handle_deadline and until <= task.handle_deadline:
        errors["until"] = [_("Ask for a time later than the current deadline.")]
    if errors:
        raise InvalidInput(fields=errors)
    task.extension_requested_until, task.extension_reason = until, reason[:2000]
    task.save(update_fields=["extension_status", "extension_requested_until", "extension_reason"])
    touch_case(
        actor=actor,
        case=case,
        action="extension_request",
        task=task,
        note=task.extension_reason,
        changes={"extension_requested_until": [None, until.isoformat()]},
    )
    return task


def _task_for_centre(actor, task: CaseTask) -> tuple[CaseTask, Case]:
    case = lock_case(task.case)
    task = lock_task(task)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    return task, case


@transaction.atomic
def grant_extension(*, actor, task: CaseTask, note: str = "") -> CaseTask:
    """Grant a department's pending request for more time: its handle-by time moves to the
    time it asked for, and the case's clock follows. Who may: the centre (cases.dispatch)."""
    task, case = _task_for_centre(actor, task)
    _move_extension(task, ExtensionStatus.GRANTED)
    before = task.handle_deadline
    task.handle_deadline = task.extension_requested_until
    task.extension_count += 1
    task.save(update_fields=["extension_status", "handle_deadline", "extension_count"])
    follow_task_clocks(case, live_tasks(case))
    touch_case(
        actor=actor,
        case=case,
        action="extension_grant",
        task=task,
        note=(note or "").strip()[:2000],
        changes={
            "handle_deadline": [
                before.isoformat() if before else None,
                task.handle_deadline.isoformat(),
            ]
        },
    )
    return task


@transaction.atomic
def refuse_extension(*, actor, task: CaseTask, reason: str) -> CaseTask:
    """Refuse a department's pending request for more time, with the reason; the deadline
    stands. Who may: the centre (cases.dispatch)."""
    task, case = _task_for_centre(actor, task)
    _move_extension(task, ExtensionStatus.REFUSED)
    reason = need_reason(reason)
    task.save(update_fields=["extension_status"])
    touch_case(actor=actor, case=case, action="extension_refuse", task=task, note=reason)
    return task
