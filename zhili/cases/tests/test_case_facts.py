"""Every department task carries the facts of its case that the bulletin counts it by
(CaseTask.case_*: place, closure, close deadline, rating): after any act, and after writes
that bypass the acts (QuerySet.update), they equal the case's own."""

import datetime as dt

from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhili.cases.models import Case, CaseStatus, CaseTask, Category, case_facts
from zhili.cases.services import corrections, flow
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1
from zhili.cases.tests.test_properties import DRAWN, WHO, _act
from zhili.core.errors import DomainError

FACTS = ["case_place_path", "case_closed_at", "case_close_deadline", "case_rating", "case_rated_at"]


def assert_tasks_carry_their_case(*cases: Case) -> None:
    for case in cases:
        case = Case.objects.get(pk=case.pk)
        expected = case_facts(case)
        for task in CaseTask.objects.filter(case=case).values("id", *FACTS):
            assert {k: task[k] for k in FACTS} == expected, (case.status, task["id"])


def _report(loop, actor=None) -> Case:
    lon, lat = IN_G1
    return report_case(
        actor=actor or loop.courier,
        category=loop.category,
        description="占道",
        longitude=lon,
        latitude=lat,
    )


def _handled_and_verified(loop, case: Case) -> None:
    for task in case.tasks.filter(status="dispatched"):
        handler = loop.police_handler if task.department == loop.police else loop.handler
        flow.take_task(actor=handler, task=task)
        flow.handle_task(actor=handler, task=task, result="已清理")
    flow.verify_case(actor=loop.grid_officer, case=case, passed=True)


def test_closure_rating_and_reopening_reach_every_task_of_the_case(loop):
    case = _report(loop)
    flow.accept_case(actor=loop.dispatcher, case=case)
    flow.dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=[loop.police])
    assert set(case.tasks.values_list("case_place_path", "case_closed_at")) == {
        (case.place_path, None)
    }
    _handled_and_verified(loop, case)
    flow.close_case(actor=loop.dispatcher, case=case)
    closed_at = Case.objects.get(pk=case.pk).closed_at
    assert closed_at is not None
    assert set(case.tasks.values_list("case_closed_at", flat=True)) == {closed_at}

    flow.rate_case(actor=loop.courier, case=case, rating="basically")
    rated_at = Case.objects.get(pk=case.pk).rated_at
    assert set(case.tasks.values_list("case_rating", "case_rated_at")) == {("basically", rated_at)}

    corrections.reopen_case(actor=loop.courier, case=case, reason="又堵上了")
    # Reopened: closed no more, its rating cleared, on every task of the first round.
    assert set(case.tasks.values_list("case_closed_at", "case_rating", "case_rated_at")) == {
        (None, "", None)
    }
    flow.dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    assert case.tasks.count() == 3
    assert_tasks_carry_their_case(case)


def test_a_rejected_case_is_not_closed_for_the_bulletin(loop):
    """Rejection stamps closed_at but closes nothing: no task would count it closed."""
    case = _report(loop)
    flow.reject_case(actor=loop.dispatcher, case=case, reason="不属受理范围")
    rejected = Case.objects.get(pk=case.pk)
    assert rejected.closed_at is not None
    assert case_facts(rejected)["case_closed_at"] is None


def test_writes_that_bypass_the_acts_reach_the_tasks_too(loop):
    case = _report(loop)
    flow.accept_case(actor=loop.dispatcher, case=case)
    flow.dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    deadline = timezone.now() + dt.timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(close_deadline=deadline)
    assert case.tasks.get().case_close_deadline == deadline
    # The filter no longer matches once updated: the tasks are found all the same.
    closed_at = timezone.now()
    Case.objects.filter(status=CaseStatus.DISPATCHED).update(
        status=CaseStatus.CLOSED, closed_at=closed_at
    )
    assert case.tasks.get().case_closed_at == closed_at
    assert_tasks_carry_their_case(case)


def test_an_act_that_changes_no_fact_writes_no_task(loop, django_assert_num_queries):
    case = _report(loop)
    flow.accept_case(actor=loop.dispatcher, case=case)
    flow.dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    case = Case.objects.get(pk=case.pk)
    case.version += 1
    with django_assert_num_queries(1):  # the case's UPDATE alone
        case.save()
    case.rating = "satisfied"
    with django_assert_num_queries(2):  # and its tasks'
        case.save(update_fields=["rating"])
    assert case.tasks.get().case_rating == "satisfied"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The long road (closed, rated, reopened, closed and rated again), always tried.
@example(
    steps=[
        (a, "proper")
        for a in [
            "accept",
            "dispatch_both",
            "take",
            "take",
            "handle",
            "handle",
            "verify_ok",
            "close",
            "rate",
            "reopen",
            "dispatch_routed",
            "take",
            "handle",
            "verify_ok",
            "close",
            "rate",
        ]
    ]
)
@given(
    steps=st.lists(st.tuples(st.sampled_from(DRAWN), st.sampled_from(WHO)), min_size=1, max_size=30)
)
def test_after_every_act_each_task_carries_its_cases_facts(loop, steps):
    Case.objects.update(merged_into=None)
    Case.objects.all().delete()
    loop.traffic, _ = Category.objects.get_or_create(
        code="traffic", defaults={"name": "交通事故", "default_lead": loop.police}
    )
    case = _report(loop)
    other = report_case(
        actor=loop.resident, category=loop.category, description="又占道", place=case.place
    )
    for action, who in steps:
        try:
            _act(loop, case, other, action, who)
        except DomainError:
            pass
        assert_tasks_carry_their_case(case, other)
