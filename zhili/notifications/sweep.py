"""The periodic sweep over the case clocks (issue 3, item 4).

A deployment runs `zhili sweep` every five minutes (cron or a systemd timer); `zhili
housekeeping` also queues it hourly as the task `sweep_overdue`, a safety net. Each run:

1. level 1: every open case past its step's deadline is reported to the centre over its
   place, once per (case, step, deadline);
2. level 2: a case still overdue ESCALATION_GRACE_HOURS working hours after that deadline is
   reported to the street coordinators over its street, once;
3. every department task whose take or handle deadline falls within the next working hour
   is announced to the department's handlers, once per deadline.

"Once" is kept by the database: each report is a row (Escalation, DeadlineWarning) under a
unique constraint, inserted by the run with its own run id and conflicts ignored; the run
then tells people only about the rows that carry its id. A second run, or two runs at once,
find the rows there and tell nobody again. Rows and notifications of a batch commit together.

Time is passed in (`now=`), so a test can run the sweep at any moment.
"""

import datetime as dt
import logging
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhili.cases.models import OPEN_STATUSES, Case, CaseTask, Step, TaskStatus
from zhili.cases.selectors import overdue_q
from zhili.cases.signals import case_overdue
from zhili.core.workcalendar import add_working_hours
from zhili.notifications import recipients, texts
from zhili.notifications.models import DeadlineWarning, Escalation
from zhili.notifications.models import NotificationKind as Kind
from zhili.notifications.services import compose_for, deliver

log = logging.getLogger(__name__)
BATCH = 500
# What the texts say of a case: all the sweep loads (a place's boundary is large).
_CASE_FACTS = ("number", "address", "place_path", "category__name", "place__name")
DEFAULT_GRACE_HOURS = 4


@dataclass
class SweepReport:
    overdue: int = 0  # steps newly reported to the centre (level 1)
    escalated: int = 0  # steps newly reported to the street (level 2)
    deadline_near: int = 0  # task deadlines newly announced
    notifications: int = 0  # inbox messages written

    def as_dict(self) -> dict:
        return asdict(self)


def grace_hours() -> Decimal:
    return Decimal(str(getattr(settings, "ESCALATION_GRACE_HOURS", DEFAULT_GRACE_HOURS)))


def sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Run the three passes at `now` (default: the present); returns what was done."""
    now = now or timezone.now()
    run = uuid.uuid4()
    report = SweepReport()
    _escalate_overdue(now, run, report)
    _escalate_to_street(now, run, report)
    _warn_deadlines(now, run, report)
    return report


def _escalated(level: int) -> Exists:
    return Exists(
        Escalation.objects.filter(
            case=OuterRef("pk"),
            step=OuterRef("step"),
            deadline=OuterRef("step_deadline"),
            level=level,
        )
    )


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _escalate_overdue(now: dt.datetime, run: uuid.UUID, report: SweepReport) -> None:
    due = list(
        Case.objects.filter(overdue_q(now))
        .exclude(step="")
        .filter(~_escalated(1))
        .values_list("pk", "step", "step_deadline")
    )
    report.overdue, told = _escalate(due, 1, now, run)
    report.notifications += told


def _escalate_to_street(now: dt.datetime, run: uuid.UUID, report: SweepReport) -> None:
    grace = grace_hours()
    # Working hours pass no faster than clock hours: a cheap SQL bound, then the calendar.
    bound = now - dt.timedelta(hours=float(grace))
    candidates = (
        Case.objects.filter(overdue_q(now), step_deadline__lte=bound)
        .exclude(step="")
        .filter(~_escalated(2))
        .values_list("pk", "step", "step_deadline")
    )
    due = []
    for pk, step, deadline in candidates:
        if add_working_hours(deadline, grace) <= now:
            due.append((pk, step, deadline))
    report.escalated, told = _escalate(due, 2, now, run)
    report.notifications += told


def _escalate(due: list, level: int, now: dt.datetime, run: uuid.UUID) -> tuple[int, int]:
    """Record the escalations in `due` ((case id, step, deadline) triples) at `level`, and
    tell the people of that level about those this run recorded first. Returns how many
    escalations this run recorded, and how many notifications it wrote."""
    if level == 1:
        kind, who, text = Kind.OVERDUE, recipients.centre, texts.overdue
    else:
        kind, who = Kind.ESCALATED, recipients.street_coordinators
        text = partial(texts.escalated, grace=grace_hours())
    recorded = told = 0
    people: dict[str, list] = {}  # place path -> users: one query per place, not per case
    for batch in _batches(due):
        with transaction.atomic():
            Escalation.objects.bulk_create(
                [
                    Escalation(
                        case_id=pk,
                        step=step,
                        deadline=deadline,
                        level=level,
                        run=run,
                        created_at=now,
                    )
                    for pk, step, deadline in batch
                ],
                ignore_conflicts=True,
            )
            won = Escalation.objects.filter(
                run=run, level=level, case_id__in=[pk for pk, _step, _deadline in batch]
            ).select_related("case__category", "case__place")
            won = won.only("step", "deadline", *(f"case__{f}" for f in _CASE_FACTS))
            rows = []
            for escalation in won:
                case = escalation.case
                if case.place_path not in people:
                    people[case.place_path] = list(who(case.place_path))
                rows += compose_for(
                    kind=kind,
                    case=case,
                    recipients=people[case.place_path],
                    compose=partial(text, case, escalation.step, escalation.deadline),
                    at=now,
                )
                recorded += 1
                if level == 1:  # for the apps above that react to a first overdue (webhooks)
                    case_overdue.send(
                        sender=Case,
                        case=case,
                        step=escalation.step,
                        deadline=escalation.deadline,
                        at=now,
                    )
            deliver(rows)
            told += len(rows)
    return recorded, told


# (step, the task status that waits on it, the task's deadline field)
_TASK_CLOCKS = (
    (Step.TAKE, TaskStatus.DISPATCHED, "take_deadline"),
    (Step.HANDLE, TaskStatus.TAKEN, "handle_deadline"),
)


def _warn_deadlines(now: dt.datetime, run: uuid.UUID, report: SweepReport) -> None:
    horizon = add_working_hours(now, 1)
    handlers: dict[tuple[str, int], list] = {}
    for step, status, field in _TASK_CLOCKS:
        warned = DeadlineWarning.objects.filter(
            task=OuterRef("pk"), step=step, deadline=OuterRef(field)
        )
        due = list(
            CaseTask.objects.filter(
                Q(**{f"{field}__gt": now, f"{field}__lte": horizon}),
                status=status,
                case__status__in=OPEN_STATUSES,
            )
            .filter(~Exists(warned))
            .values_list("pk", field)
        )
        for batch in _batches(due):
            with transaction.atomic():
                DeadlineWarning.objects.bulk_create(
                    [
                        DeadlineWarning(task_id=pk, step=step, deadline=d, run=run, created_at=now)
                        for pk, d in batch
                    ],
                    ignore_conflicts=True,
                )
                won = DeadlineWarning.objects.filter(
                    run=run, step=step, task_id__in=[pk for pk, _d in batch]
                ).select_related("task__department", "task__case__category", "task__case__place")
                won = won.only(
                    "deadline",
                    "task__department_id",
                    "task__department__name",
                    *(f"task__case__{f}" for f in _CASE_FACTS),
                )
                rows = []
                for warning in won:
                    task, case = warning.task, warning.task.case
                    key = (case.place_path, task.department_id)
                    if key not in handlers:
                        handlers[key] = list(
                            recipients.department_handlers(case, [task.department_id])
                        )
                    rows += compose_for(
                        kind=Kind.DEADLINE_NEAR,
                        case=case,
                        task=task,
                        recipients=handlers[key],
                        compose=partial(texts.deadline_near, case, task, step, warning.deadline),
                        at=now,
                    )
                    report.deadline_near += 1
                deliver(rows)
                report.notifications += len(rows)
