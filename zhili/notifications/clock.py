"""Is a case overdue now? Computed from its deadline at the moment of asking, never stored,
so a page shows the truth between two sweeps.

The rule itself (is_overdue, overdue_q) is the cases app's (zhili/cases/selectors.py); this
module adds what the sweep needs on top of it.
"""

import datetime as dt

from django.db.models import BooleanField, QuerySet, Value, When
from django.db.models import Case as SQLCase
from django.utils import timezone

from zhili.cases.models import Case, CaseTask, Step, TaskStatus
from zhili.cases.selectors import is_overdue, overdue_q

__all__ = ["is_overdue", "overdue_q", "with_overdue", "task_deadline", "task_is_overdue"]


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
