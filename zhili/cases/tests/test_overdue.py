"""Overdue is what the clock says when anyone looks, between two sweeps too: one rule,
is_overdue for a case in hand and overdue_q for a query (zhili/cases/selectors.py)."""

import datetime as dt

from zhili.cases.models import Case, CaseStatus
from zhili.cases.selectors import is_overdue, overdue_q
from zhili.cases.services.flow import accept_case
from zhili.cases.tests.conftest import whistle

MINUTE = dt.timedelta(minutes=1)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def overdue_at(now) -> set[int]:
    return set(Case.objects.filter(overdue_q(now)).values_list("pk", flat=True))


def test_a_case_is_overdue_from_the_moment_after_its_deadline(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    case = fresh(case)
    deadline = case.step_deadline

    assert not is_overdue(case, now=deadline)
    assert is_overdue(case, now=deadline + MINUTE)
    assert overdue_at(deadline + MINUTE) == {case.pk}
    assert overdue_at(deadline) == set()


def test_a_case_without_a_clock_or_closed_is_never_overdue(loop):
    case = whistle(loop)
    Case.objects.filter(pk=case.pk).update(step="", step_deadline=None)
    case = fresh(case)
    far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert not is_overdue(case, now=far)
    assert overdue_at(far) == set()

    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, step_deadline=case.reported_at)
    assert not is_overdue(fresh(case), now=far)
    assert overdue_at(far) == set()
