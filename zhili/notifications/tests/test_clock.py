"""Overdue is what the clock says when anyone looks, between two sweeps too."""

import datetime as dt

from zhili.cases.models import Case, CaseStatus
from zhili.cases.services.flow import accept_case
from zhili.notifications.clock import is_overdue, task_is_overdue, with_overdue
from zhili.notifications.tests.helpers import dispatched, fresh, whistle

MINUTE = dt.timedelta(minutes=1)


def test_a_case_is_overdue_from_the_moment_after_its_deadline(people):
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    case = fresh(case)
    deadline = case.step_deadline

    assert not is_overdue(case, now=deadline)
    assert is_overdue(case, now=deadline + MINUTE)
    overdue = dict(with_overdue(Case.objects.all(), deadline + MINUTE).values_list("pk", "overdue"))
    assert overdue == {case.pk: True}
    overdue = dict(with_overdue(Case.objects.all(), deadline).values_list("pk", "overdue"))
    assert overdue == {case.pk: False}


def test_a_case_without_a_clock_or_closed_is_never_overdue(people):
    case = whistle(people)
    Case.objects.filter(pk=case.pk).update(step="", step_deadline=None)
    case = fresh(case)
    far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert not is_overdue(case, now=far)
    assert list(with_overdue(Case.objects.all(), far).values_list("overdue", flat=True)) == [False]

    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, step_deadline=case.reported_at)
    assert not is_overdue(fresh(case), now=far)


def test_a_task_is_overdue_on_the_step_it_waits_on(people):
    task = dispatched(people).tasks.get()
    assert not task_is_overdue(task, now=task.take_deadline)
    assert task_is_overdue(task, now=task.take_deadline + MINUTE)
