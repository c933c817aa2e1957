"""Is a case overdue now? Computed from its deadline at the moment of asking, never stored,
so a page shows the truth between two sweeps.

These belong in zhili/cases/selectors.py (the case app owns its clock); they live here until
the cases app takes them over, and nothing else in this app depends on where they live.
"""

import datetime as dt

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as SQLCase
from django.utils import timezone

from zhili.cases.models import OPEN_STATUSES, Case, CaseTask, Step, TaskStatus


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    """An open case whose current step's deadline has passed."""
    now = now or timezone.now()
    return (
        case.status in OPEN_STATUSES and case.step_deadline is not None and case.step_deadline < now
    )


def overdue_q(now: dt.datetime) -> Q:
    """The cases that are overdue at `now` (what is_overdue says, as a filter)."""
    return Q(status__in=OPEN_STATUSES, step_deadline__lt=now)


def with_overdue(qs: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases annotated with `overdue` (a boolean, false for a case with no deadline)."""
    now = now or timezone.now()
    return qs.annotate(
        overdue=SQLCase(
            When(overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def task_deadline(task: CaseTask) -> tuple[str, dt.datetime | None]:
    """The step a task waits on and its deadline: taking the order, or handling it."""
    if task.status == TaskStatus.DISPATCHED:
        return Step.TAKE, task.take_deadline
    if task.status == TaskStatus.TAKEN:
        return Step.HANDLE, task.handle_deadline
    return "", None


def task_is_overdue(task: CaseTask, now: dt.datetime | None = None) -> bool:
    _step, deadline = task_deadline(task)
    return deadline is not None and deadline < (now or timezone.now())
