"""Deadlines counted on the provisional calendar, and counting them again (docs/calendar.md).

A deadline whose working time runs into a year whose holiday notice is not known yet is
counted on the provisional calendar (the plain week minus the statutory holidays). Whoever
sets such a deadline calls note_deadline(), which keeps what it was counted from in a
ProvisionalDeadline row. When the year becomes known (an administrator enters its notice, or
a newer calendar package knows it), recount_provisional_deadlines() counts every one still in
force again from its recorded start: each case's deadlines move in one audited step, and
those who own them are told (the "recount_deadline" act).
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from zhili.audit.services import record_audit
from zhili.cases.models import (
    Case,
    CaseTask,
    ProvisionalDeadline,
    Receipt,
    ReceiptStatus,
    Step,
    TaskStatus,
)
from zhili.cases.services.common import (
    follow_task_clocks,
    live_tasks,
    lock_case,
    step_limit,
    touch_case,
)
from zhili.core.errors import NotFound
from zhili.core.permissions import SystemActor
from zhili.core.workcalendar import (
    deadline,
    provisional_deadline_year,
    provisional_year_between,
)

log = logging.getLogger(__name__)

# Where each step's deadline lives: the order's own clocks, else the case's step deadline.
TASK_FIELDS = {Step.TAKE: "take_deadline", Step.HANDLE: "handle_deadline"}

RECOUNT_ACTOR = SystemActor("system:calendar")


def note_deadline(
    *, case: Case, step: str, start: dt.datetime, due_at, task: CaseTask | None = None
) -> ProvisionalDeadline | None:
    """Keep the basis of a deadline just set on `case` (or its order `task`) if it was counted
    on the provisional calendar; nothing otherwise (one look at the cached calendar). Called
    by every service that sets a deadline with due(), after the case (and task) are saved."""
    if due_at is None or provisional_year_between(start, due_at) is None:
        return None
    amount, unit = step_limit(case.category, case.urgency, step)
    year = provisional_deadline_year(start, due_at, unit)
    if year is None:  # natural time: needs no calendar
        return None
    return ProvisionalDeadline.objects.create(
        case=case,
        task=task,
        step=step,
        start=start,
        amount=amount,
        unit=unit,
        due=due_at,
        year=year,
    )


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _in_force(row: ProvisionalDeadline, case: Case, task: CaseTask | None) -> bool:
    """Is the row's deadline still the one the case or order runs on?"""
    if not case.is_open:
        return False
    if row.task_id is None:
        return case.step == row.step and case.step_deadline == row.due
    # An order's take-by runs while it waits, its handle-by while it is in hand.
    running = {Step.TAKE: TaskStatus.DISPATCHED, Step.HANDLE: TaskStatus.TAKEN}
    if task is None or task.status != running[row.step]:
        return False
    return getattr(task, TASK_FIELDS[row.step]) == row.due


def recount_provisional_deadlines(*, actor=RECOUNT_ACTOR) -> int:
    """Count again every provisional deadline whose year has become known; each case in its
    own transaction. Returns how many deadlines moved. Stale rows (the deadline was replaced)
    are removed. Who may: the system (housekeeping, the calendar's change), or an admin."""
    moved = 0
    case_ids = (
        ProvisionalDeadline.objects.order_by("case_id").values_list("case_id", flat=True).distinct()
    )
    for case_id in list(case_ids):
        moved += _recount_case(case_id, actor)
    return moved


@transaction.atomic
def _recount_case(case_id: int, actor) -> int:
    try:
        case = lock_case(Case(pk=case_id))
    except NotFound:  # deleted meanwhile: its rows went with it
        return 0
    rows = list(case.provisional_deadlines.select_related("task").order_by("id"))
    tasks = {t.pk: t for t in case.tasks.select_for_update().select_related("department")}
    changes, moved_tasks, moves = {}, [], []
    for row in rows:
        task = tasks.get(row.task_id) if row.task_id else None
        if not _in_force(row, case, task):
            row.delete()
            continue
        if provisional_deadline_year(row.start, row.due, row.unit) is not None:
            continue  # its year is still not known
        new = deadline(row.start, row.amount, row.unit)
        row.delete()
        if new != row.due:
            label = str(Step(row.step).label)
            if task is None:
                case.step_deadline = new
            else:
                field = TASK_FIELDS[row.step]
                setattr(task, field, new)
                task.save(update_fields=[field])
                moved_tasks.append(task)
                label = f"{task.department.short_name} {label}"
            changes[label] = [
                timezone.localtime(row.due).isoformat(),
                timezone.localtime(new).isoformat(),
            ]
            moves.append(f"{label} {_when(row.due)} → {_when(new)}")
        year = provisional_deadline_year(row.start, new, row.unit)
        if year is not None:  # moved into a later unknown year: still provisional
            ProvisionalDeadline.objects.create(
                case=case,
                task=task,
                step=row.step,
                start=row.start,
                amount=row.amount,
                unit=row.unit,
                due=new,
                year=year,
            )
    if not changes:
        return 0
    if moved_tasks:
        follow_task_clocks(case, live_tasks(case))
    touch_case(
        actor=actor,
        case=case,
        action="recount_deadline",
        task=moved_tasks[0] if len(moved_tasks) == 1 else None,
        note="；".join(moves),
        changes=changes,
    )
    return len(changes)


@transaction.atomic
def refile_calendar_refusals(*, actor=RECOUNT_ACTOR) -> int:
    """Receipts of the fast intake refused because the calendar lacked a year (before the
    provisional calendar existed) go back to the filer's queue. Housekeeping runs it; each
    is audited. Returns how many."""
    receipts = list(
        Receipt.objects.select_for_update()
        .filter(status=ReceiptStatus.REFUSED, errors__code="calendar_unknown")
        .select_related("reporter")
    )
    for receipt in receipts:
        old = receipt.errors
        receipt.status, receipt.errors, receipt.decided_at, receipt.attempts = (
            ReceiptStatus.PENDING,
            {},
            None,
            0,
        )
        receipt.save(update_fields=["status", "errors", "decided_at", "attempts"])
        record_audit(
            actor=actor,
            action="receipt.refile",
            obj=receipt,
            changes={"status": [ReceiptStatus.REFUSED, ReceiptStatus.PENDING], "errors": [old, {}]},
        )
    if receipts:
        from zhili.cases.services.intake import queue_filer

        transaction.on_commit(queue_filer, robust=True)
    log.info("refiled %d receipts refused for an unknown calendar year", len(receipts))
    return len(receipts)


def recount_after_commit() -> None:
    """Queue the recount once the transaction commits (the calendar has changed)."""
    from zhili.cases.tasks import recount_deadlines

    transaction.on_commit(recount_deadlines.enqueue, robust=True)
