"""What every case service shares: locking, the timeline, the clocks."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.models import AuditRecord
from zhili.audit.services import audit_row, record_audits
from zhili.cases.models import (
    CASE_TRANSITIONS,
    LIVE_TASK_STATUSES,
    TASK_TRANSITIONS,
    Case,
    CaseEvent,
    CaseTask,
    Category,
    Step,
    TaskStatus,
    TimeLimit,
    refuse_unless_allowed,
)
from zhili.cases.signals import case_event, case_events
from zhili.core import permissions
from zhili.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhili.core.permissions import Cap
from zhili.core.workcalendar import TimeUnit, deadline

# Used when a category has no limit of its own for a step (documented in docs/cases.md).
DEFAULT_LIMITS = {
    Step.ACCEPT: (Decimal(2), TimeUnit.WORKING_HOURS),
    Step.DISPATCH: (Decimal(2), TimeUnit.WORKING_HOURS),
    Step.TAKE: (Decimal(4), TimeUnit.WORKING_HOURS),
    Step.HANDLE: (Decimal(3), TimeUnit.WORKING_DAYS),
    Step.VERIFY: (Decimal(1), TimeUnit.WORKING_DAYS),
    # From the departments' report of handling to closure: verify (1 day), then close.
    Step.CLOSE: (Decimal(2), TimeUnit.WORKING_DAYS),
}


def step_limit(category: Category, urgency: str, step: str) -> tuple[Decimal, str]:
    """(amount, unit) of the category's limit for `step` at `urgency`, or the default."""
    limit = TimeLimit.objects.filter(category=category, urgency=urgency, step=step).first()
    return (limit.amount, limit.unit) if limit else DEFAULT_LIMITS[step]


def step_limits(pairs, step: str) -> dict[tuple[int, str], tuple[Decimal, str]]:
    """step_limit for many (category id, urgency) pairs in one query: {pair: (amount, unit)}."""
    pairs = set(pairs)
    found = {
        (limit.category_id, limit.urgency): (limit.amount, limit.unit)
        for limit in TimeLimit.objects.filter(
            step=step, category_id__in={category for category, _ in pairs}
        )
    }
    return {pair: found.get(pair, DEFAULT_LIMITS[step]) for pair in pairs}


def due(category: Category, urgency: str, step: str, start: dt.datetime) -> dt.datetime:
    """When `step` must be done if it starts at `start`, on the category's clock. A deadline
    that runs into a year with no known holiday notice is provisional: the service that sets
    it calls services.deadlines.note_deadline after saving."""
    amount, unit = step_limit(category, urgency, step)
    return deadline(start, amount, unit)


def lock_case(case: Case, version: int | None = None) -> Case:
    """The case row, locked for this transaction. With `version` (what the actor's page
    showed), a case that has moved on meanwhile is refused: exactly one of two wins."""
    try:
        locked = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
    except Case.DoesNotExist:
        raise NotFound() from None
    if version is not None and locked.version != version:
        raise Conflict()
    return locked


def lock_task(task: CaseTask) -> CaseTask:
    try:
        return CaseTask.objects.select_for_update().select_related("department").get(pk=task.pk)
    except CaseTask.DoesNotExist:
        raise NotFound() from None


def task_for_handler(actor, task: CaseTask) -> tuple[CaseTask, Case]:
    """Lock a task and its case for a handler of the task's own department."""
    case = lock_case(task.case)
    task = lock_task(task)
    if not permissions.can(actor, Cap.CASES_HANDLE, case.place_path):
        raise Forbidden()
    if task.department_id not in permissions.department_ids(actor):
        raise NotFound()  # another department's order: as if it did not exist
    return task, case


def need_reason(reason: str, field: str = "reason") -> str:
    """The stripped reason (at most 2000 characters); none is a field error on `field`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={field: [_("Give the reason.")]})
    return reason[:2000]


def live_tasks(case: Case) -> list[CaseTask]:
    return [t for t in case.tasks.all() if t.status in LIVE_TASK_STATUSES]


def follow_task_clocks(case: Case, live: list[CaseTask]) -> None:
    """Set the case's step and deadline to the earliest pending one of its live orders (the
    take-by of those waiting, else the handle-by of those in hand); unchanged if none."""
    waiting = [t.take_deadline for t in live if t.status == TaskStatus.DISPATCHED]
    working = [t.handle_deadline for t in live if t.status == TaskStatus.TAKEN]
    if waiting or working:
        case.step = Step.TAKE if waiting else Step.HANDLE
        case.step_deadline = min(waiting or working)


def move_case(
    *,
    actor,
    case: Case,
    to: str,
    action: str,
    note: str = "",
    task=None,
    changes: dict | None = None,
    cancelled: list[CaseTask] = (),
    **fields,
) -> None:
    """Move a locked case to `to` (refusing moves CASE_TRANSITIONS lacks), save the given
    fields with it, and write the timeline entry and the audit record. `cancelled`: the
    orders this act cancelled (cancel_live_tasks), passed on to case_event's listeners."""
    refuse_unless_allowed(CASE_TRANSITIONS, case.status, to, _("case"))
    before = case.status
    case.status = to
    case.version += 1
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    record_step(
        actor=actor,
        case=case,
        action=action,
        from_status=before,
        to_status=to,
        task=task,
        note=note,
        changes=changes,
        cancelled=cancelled,
    )


def move_task(task: CaseTask, to: str) -> str:
    refuse_unless_allowed(TASK_TRANSITIONS, task.status, to, _("department task"))
    before, task.status = task.status, to
    return before


def record_step(
    *,
    actor,
    case: Case,
    action: str,
    from_status: str = "",
    to_status: str = "",
    task: CaseTask | None = None,
    note: str = "",
    changes: dict | None = None,
    cancelled: list[CaseTask] = (),
    at: dt.datetime | None = None,
):
    """One timeline entry and one audit record for one act on a case, then case_event.
    `at`: when the act happened, if the act has its own time (the report's)."""
    step = _step(locals())  # the arguments, as record_steps takes them
    entry, audit = _step_rows(step)
    entry.save()
    audit.save()
    case_event.send(sender=Case, **_announced(step))


def record_steps(steps: list[dict]) -> None:
    """record_step for many acts written together (the intake's batch filer); each of
    `steps` holds record_step's arguments. The timeline entries and the audit records are
    written in one statement each, then case_events is sent once with every act."""
    steps = [_step(step) for step in steps]
    rows = [_step_rows(step) for step in steps]
    CaseEvent.objects.bulk_create([entry for entry, _ in rows])
    record_audits([audit for _, audit in rows])
    case_events.send(sender=Case, events=[_announced(step) for step in steps])


# record_step's arguments that an act may leave out (record_steps fills them in).
STEP_DEFAULTS = {
    "from_status": "",
    "to_status": "",
    "task": None,
    "note": "",
    "changes": None,
    "cancelled": (),
    "at": None,
}


def _step(arguments: dict) -> dict:
    step = {**STEP_DEFAULTS, **arguments}
    step["cancelled"] = list(step["cancelled"])
    return step


def _step_rows(step: dict) -> tuple[CaseEvent, AuditRecord]:
    """The timeline entry and the audit record of one act, not saved yet."""
    actor, case = step["actor"], step["case"]
    from_status, to_status = step["from_status"], step["to_status"]
    entry = CaseEvent(
        case=case,
        task=step["task"],
        action=step["action"],
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor.get_username(),
        at=step["at"] or timezone.now(),
        note=step["note"],
    )
    audit_changes = dict(step["changes"] or {})
    if from_status != to_status:
        audit_changes["status"] = [from_status or None, to_status]
    audit = audit_row(
        actor=actor,
        action=f"case.{step['action']}",
        obj=case,
        place_path=case.place_path,
        changes=audit_changes,
    )
    return entry, audit


def _announced(step: dict) -> dict:
    """case_event's arguments for one act."""
    return {name: step[name] for name in SIGNALLED}


# What case_event (and each act of case_events) carries.
SIGNALLED = ("case", "task", "action", "from_status", "to_status", "actor", "note", "cancelled")


def touch_case(*, actor, case: Case, action: str, note: str = "", task=None, changes=None):
    """An act that leaves the status alone: bump the version, save, write the step."""
    case.version += 1
    case.save()
    record_step(
        actor=actor,
        case=case,
        action=action,
        from_status=case.status,
        to_status=case.status,
        task=task,
        note=note,
        changes=changes,
    )


def cancel_live_tasks(case: Case) -> list[CaseTask]:
    """Cancel the case's live orders (the case leaves the departments' inboxes)."""
    cancelled = []
    for task in case.tasks.select_for_update().filter(status__in=LIVE_TASK_STATUSES):
        # Where it stood, for the listeners: a department whose order was waiting or in hand
        # is told it is withdrawn; one that had finished is not.
        task.cancelled_from = move_task(task, TaskStatus.CANCELLED)
        task.save(update_fields=["status"])
        cancelled.append(task)
    return cancelled
