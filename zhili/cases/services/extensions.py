"""Extensions (延期): a department asks for more time on an order it has taken, the centre
grants or refuses. One function per act, checked against its row of zhili/cases/act_rules.py,
one timeline entry and audit record."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import EXTENSION_TRANSITIONS, CaseTask, ExtensionStatus
from zhili.cases.services.checks import order_for_act
from zhili.cases.services.common import follow_task_clocks, live_tasks, need_reason, touch_case
from zhili.core.errors import Conflict, InvalidInput


def _move_extension(task: CaseTask, to: str) -> None:
    # check_act has refused what the row forbids; the table still guards every move.
    if to not in EXTENSION_TRANSITIONS.get(task.extension_status, set()):
        raise Conflict(_("This order has no request for more time awaiting the centre."))
    task.extension_status = to


@transaction.atomic
def request_extension(*, actor, task: CaseTask, until: dt.datetime, reason: str) -> CaseTask:
    """A department asks for more time (延期) on an order it has taken: a new handle-by time
    later than the current one, and the reason. One request at a time per order. Who may:
    a handler of the order's department. Raises InvalidInput on "until" or "reason"."""
    task, case = order_for_act(actor, "extension", task)
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


@transaction.atomic
def grant_extension(*, actor, task: CaseTask, note: str = "") -> CaseTask:
    """Grant a department's pending request for more time: its handle-by time moves to the
    time it asked for, and the case's clock follows. Who may: the centre (cases.dispatch)."""
    task, case = order_for_act(actor, "grant_extension", task)
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
    task, case = order_for_act(actor, "refuse_extension", task)
    _move_extension(task, ExtensionStatus.REFUSED)
    reason = need_reason(reason)
    task.save(update_fields=["extension_status"])
    touch_case(actor=actor, case=case, action="extension_refuse", task=task, note=reason)
    return task
