"""Random sequences of actions by random people never leave a case in an impossible state,
and every act that went through is on the timeline exactly once."""

import datetime as dt

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.cases.models import CASE_TRANSITIONS, Case, CaseEvent, CaseStatus, TaskStatus
from zhili.cases.services import flow
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1
from zhili.core.errors import DomainError

ACTIONS = [
    "accept",
    "reject",
    "dispatch",
    "dispatch_both",
    "take",
    "return",
    "handle",
    "verify_ok",
    "verify_fail",
    "close",
    "rate",
    "hold",
    "void",
]
ACTORS = ["dispatcher", "handler", "police_handler", "grid_officer", "courier", "secretary"]


def _act(loop, case, action, who):
    actor = getattr(loop, who)
    tasks = list(Case.objects.get(pk=case.pk).tasks.order_by("id"))
    task = next(
        (t for t in tasks if t.status in ("dispatched", "taken")), tasks[-1] if tasks else None
    )
    if action == "accept":
        flow.accept_case(actor=actor, case=case)
    elif action == "reject":
        flow.reject_case(actor=actor, case=case, reason="不属实")
    elif action == "dispatch":
        flow.dispatch_case(actor=actor, case=case, lead=loop.cg)
    elif action == "dispatch_both":
        flow.dispatch_case(actor=actor, case=case, lead=loop.cg, co_departments=(loop.police,))
    elif action in ("take", "return", "handle") and task is not None:
        if action == "take":
            flow.take_task(actor=actor, task=task)
        elif action == "return":
            flow.return_task(actor=actor, task=task, reason="非本部门职责")
        else:
            flow.handle_task(actor=actor, task=task, result="已处理")
    elif action == "verify_ok":
        flow.verify_case(actor=actor, case=case, passed=True)
    elif action == "verify_fail":
        flow.verify_case(actor=actor, case=case, passed=False, note="未整改到位")
    elif action == "close":
        flow.close_case(actor=actor, case=case)
    elif action == "rate":
        flow.rate_case(actor=actor, case=case, rating="satisfied")
    elif action == "hold":
        flow.hold_case(
            actor=actor,
            case=case,
            reason="暂缓",
            review_on=timezone.localdate() + dt.timedelta(days=7),
        )
    elif action == "void":
        flow.void_case(actor=actor, case=case, reason="误报")
    else:
        return False
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS)), min_size=1, max_size=25
    )
)
def test_random_acts_keep_every_case_possible_and_on_its_timeline(loop, steps):
    Case.objects.all().delete()
    lon, lat = IN_G1
    case = report_case(
        actor=loop.courier, category=loop.category, description="占道", longitude=lon, latitude=lat
    )
    succeeded = 1  # the report
    seen = [case.status]
    for action, who in steps:
        try:
            if _act(loop, case, action, who):
                succeeded += 1
        except DomainError:
            pass  # refused: nothing may have changed
        now = Case.objects.get(pk=case.pk)
        if now.status != seen[-1]:
            assert now.status in CASE_TRANSITIONS[seen[-1]], (seen[-1], now.status)
            seen.append(now.status)
    case = Case.objects.get(pk=case.pk)
    tasks = list(case.tasks.all())
    assert CaseEvent.objects.filter(case=case).count() == succeeded
    if case.status == CaseStatus.CLOSED:
        assert tasks and all(t.status in (TaskStatus.VERIFIED, TaskStatus.RETURNED) for t in tasks)
    if case.status == CaseStatus.HANDLED:
        live = [t for t in tasks if t.status not in ("returned", "cancelled")]
        assert live and all(t.status == TaskStatus.HANDLED for t in live)
    if case.status == CaseStatus.VOIDED:
        assert not [t for t in tasks if t.status in ("dispatched", "taken", "handled")]
    if case.rating:
        assert case.status == CaseStatus.CLOSED
