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
from django.utils.translation import gettext as _

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
from zhili.cases.selectors import forget_provisional_dues
from zhili.cases.services.common import (
    follow_task_clocks,
    live_tasks,
    lock_case,
    step_limit,
    touch_case,
)
from zhili.core import permissions
from zhili.core.errors import InvalidInput, NotFound
from zhili.core.models import CalendarDay, HolidayNotice
from zhili.core.permissions import Cap, SystemActor
from zhili.core.workcalendar import (
    RECHECK_SECONDS,
    deadline,
    forget_calendar,
    is_provisional_year,
    provisional_deadline_year,
    provisional_year_between,
)

log = logging.getLogger(__name__)

# Where each step's deadline lives: the order's own clocks, else the case's step deadline.
TASK_FIELDS = {Step.TAKE: "take_deadline", Step.HANDLE: "handle_deadline"}

RECOUNT_ACTOR = SystemActor("system:calendar")

# The years a notice may be entered for (lunardate knows 1900-2099).
MIN_NOTICE_YEAR, MAX_NOTICE_YEAR = 2000, 2099
NOTICE_YEARS = {"lo": MIN_NOTICE_YEAR, "hi": MAX_NOTICE_YEAR}


def provisional_row(
    *,
    case: Case,
    step: str,
    start: dt.datetime,
    due_at,
    task: CaseTask | None = None,
    limit: tuple | None = None,
) -> ProvisionalDeadline | None:
    """The unsaved ProvisionalDeadline of a deadline just set, if it was counted on the
    provisional calendar; None otherwise (one look at the cached calendar). `limit`: the
    (amount, unit) it was counted with, when the caller has it (the batch filer)."""
    if due_at is None or provisional_year_between(start, due_at) is None:
        return None
    amount, unit = limit or step_limit(case.category, case.urgency, step)
    year = provisional_deadline_year(start, due_at, unit)
    if year is None:  # natural time: needs no calendar
        return None
    return ProvisionalDeadline(
        case=case,
        task=task,
        step=step,
        start=start,
        amount=amount,
        unit=unit,
        due=due_at,
        year=year,
    )


def note_deadline(
    *,
    case: Case,
    step: str,
    start: dt.datetime,
    due_at,
    task: CaseTask | None = None,
    limit: tuple | None = None,
) -> ProvisionalDeadline | None:
    """Keep the basis of a deadline just set on `case` (or its order `task`) if it was counted
    on the provisional calendar; nothing otherwise. Called by every service that sets a
    deadline with due(), after the case (and task) are saved."""
    row = provisional_row(case=case, step=step, start=start, due_at=due_at, task=task, limit=limit)
    if row is None:
        return None
    row.save()
    # This process's pages mark it at once (others within PROVISIONAL_RECHECK_SECONDS).
    transaction.on_commit(forget_provisional_dues, robust=True)
    return row


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
        if is_provisional_year(row.year):
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
    """Queue the recount once the transaction commits (a day of the calendar changed in the
    configuration area), and once more after every process has re-read the calendar."""
    transaction.on_commit(_queue_recounts, robust=True)


def _queue_recounts() -> None:
    from zhili.cases.tasks import recount_deadlines

    recount_deadlines.enqueue()
    later = timezone.now() + dt.timedelta(seconds=RECHECK_SECONDS + 1)
    try:
        recount_deadlines.using(run_after=later).enqueue()
    except Exception:  # a backend without delays: housekeeping's hourly run covers it
        log.warning("could not queue a later recount", exc_info=True)


@transaction.atomic
def enter_holiday_notice(
    *,
    actor,
    year: int,
    days_off: dict[dt.date, str],
    workdays: dict[dt.date, str],
    note: str = "",
) -> list[CalendarDay]:
    """Enter the State Council's holiday notice for `year` in one step: the weekdays off
    (`days_off`, date → name) and the make-up working days on weekends (`workdays`). Days
    entered for that year before are replaced; the year becomes known (HolidayNotice); every
    provisional deadline of that year is counted again in the same transaction. Each day, the
    notice and each moved deadline are audited. Who may: an administrator (accounts.manage).
    Raises InvalidInput naming the field."""
    permissions.require(actor, Cap.ACCOUNTS_MANAGE)
    errors: dict[str, list] = {}
    if not MIN_NOTICE_YEAR <= year <= MAX_NOTICE_YEAR:
        errors["year"] = [_("Give a year from %(lo)d to %(hi)d.") % NOTICE_YEARS]
    for field, days in (("days_off", days_off), ("workdays", workdays)):
        stray = sorted(day for day in days if day.year != year)
        if stray:
            errors.setdefault(field, []).append(
                _("%(day)s is not in %(year)s.") % {"day": stray[0].isoformat(), "year": year}
            )
    both = sorted(set(days_off) & set(workdays))
    if both:
        errors.setdefault("workdays", []).append(
            _("%(day)s is both a day off and a working day.") % {"day": both[0].isoformat()}
        )
    if not days_off and not workdays:
        errors["days_off"] = [_("Enter the days of the notice.")]
    if errors:
        raise InvalidInput(fields=errors)
    note = (note or "").strip()[:200]
    wanted = {d: (False, n) for d, n in days_off.items()}
    wanted.update({d: (True, n) for d, n in workdays.items()})
    existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__year=year)}
    new, changed = [], []
    for day, (is_workday, name) in sorted(wanted.items()):
        entry = existing.pop(day, None)
        before = [entry.is_workday, entry.name] if entry else [None, None]
        if entry is None:
            entry = CalendarDay(date=day)
            new.append(entry)
        else:
            changed.append(entry)
        entry.is_workday, entry.name, entry.note = is_workday, (name or "")[:50], note
        entry._audit = {"is_workday": [before[0], is_workday], "name": [before[1], entry.name]}
    # Bulk writes: one change of the calendar, not one per day (no per-row signals).
    CalendarDay.objects.bulk_create(new)
    CalendarDay.objects.bulk_update(changed, ["is_workday", "name", "note"])
    saved = sorted(new + changed, key=lambda e: e.date)
    if not all(e.pk for e in new):  # a backend that does not return keys
        saved = list(CalendarDay.objects.filter(date__in=wanted).order_by("date"))
        for entry in saved:
            entry._audit = {"is_workday": [None, entry.is_workday], "name": [None, entry.name]}
    for entry in saved:
        record_audit(
            actor=actor, action="calendarday.enter_notice", obj=entry, changes=entry._audit
        )
    for entry in existing.values():  # entered before, not in the notice
        record_audit(
            actor=actor,
            action="calendarday.enter_notice_delete",
            obj=entry,
            changes={"is_workday": [entry.is_workday, None], "name": [entry.name, None]},
        )
    CalendarDay.objects.filter(pk__in=[e.pk for e in existing.values()]).delete()
    notice, created = HolidayNotice.objects.update_or_create(
        year=year, defaults={"note": note, "entered_by": actor.get_username()}
    )
    record_audit(
        actor=actor,
        action="holidaynotice.enter",
        obj=notice,
        changes={"year": [None if created else year, year], "days": [None, len(saved)]},
    )
    forget_calendar()
    forget_provisional_dues()
    recount_provisional_deadlines()
    return saved
