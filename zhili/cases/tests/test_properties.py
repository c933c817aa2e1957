"""Random sequences of actions by random people never leave a case in an impossible state,
and every act that went through is on the timeline exactly once."""

import datetime as dt
import itertools

from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhili.cases.models import (
    CASE_TRANSITIONS,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    TaskStatus,
)
from zhili.cases.services import coordination, corrections, extensions, flow, photos
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1, photo
from zhili.core.errors import DomainError

ACTIONS = [
    "accept",
    "reject",
    "dispatch",
    "dispatch_both",
    "dispatch_routed",
    "take",
    "return",
    "handle",
    "verify_ok",
    "verify_fail",
    "close",
    "rate",
    "hold",
    "void",
    "recategorise",
    "reopen",
    "extension_request",
    "extension_grant",
    "extension_refuse",
    "resume",
    "merge",
    "merge_in",
    "coordinate",
    "joint_action",
    "photo",
]
ACTORS = [
    "dispatcher",
    "handler",
    "police_handler",
    "grid_officer",
    "courier",
    "secretary",
    "coordinator",
]
# The acts that end a case (reject, void, merge) are drawn less often than the rest, so that
# sequences reach the later steps.
ENDINGS = {"reject", "void", "merge"}
DRAWN = [a for a in ACTIONS for _ in range(1 if a in ENDINGS else 4)]
# "proper": the person whose act it is (so that sequences get past the first steps).
WHO = ["proper"] * len(ACTORS) + ACTORS
PROPER = {
    "verify_ok": "grid_officer",
    "verify_fail": "grid_officer",
    "rate": "courier",
    "reopen": "courier",
    "photo": "courier",
    "coordinate": "coordinator",
    "joint_action": "coordinator",
}
_colours = itertools.count(1)


def _act(loop, case, other, action, who) -> int | None:
    """Do one act; the number of timeline entries it should add to `case`, None if skipped."""
    tasks = list(Case.objects.get(pk=case.pk).tasks.order_by("id"))
    # The order each act applies to: one waiting for take and return, one in hand for the
    # rest; else the last, to be refused.
    waiting = next((t for t in tasks if t.status == TaskStatus.DISPATCHED), None)
    in_hand = next((t for t in tasks if t.status == TaskStatus.TAKEN), None)
    fallback = tasks[-1] if tasks else None
    task = (waiting if action in ("take", "return") else in_hand) or fallback
    if who == "proper":
        if action in ("take", "return", "handle", "extension_request"):
            police = task is not None and task.department_id == loop.police.pk
            who = "police_handler" if police else "handler"
        else:
            who = PROPER.get(action, "dispatcher")
    actor = getattr(loop, who)
    if action == "accept":
        flow.accept_case(actor=actor, case=case)
    elif action == "reject":
        flow.reject_case(actor=actor, case=case, reason="不属实")
    elif action == "dispatch":
        flow.dispatch_case(actor=actor, case=case, lead=loop.cg)
    elif action == "dispatch_both":
        flow.dispatch_case(actor=actor, case=case, lead=loop.cg, co_departments=(loop.police,))
    elif action == "dispatch_routed":
        flow.dispatch_case(actor=actor, case=case)
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
    elif action == "recategorise":
        current = Case.objects.get(pk=case.pk).category
        target = loop.traffic if current == loop.category else loop.category
        corrections.recategorise_case(actor=actor, case=case, category=target)
    elif action == "reopen":
        corrections.reopen_case(actor=actor, case=case, reason="没修好")
    elif action.startswith("extension_") and task is not None:
        if action == "extension_request":
            start = task.handle_deadline or timezone.now()
            extensions.request_extension(
                actor=actor, task=task, until=start + dt.timedelta(days=2), reason="需协调"
            )
        elif action == "extension_grant":
            extensions.grant_extension(actor=actor, task=task)
        else:
            extensions.refuse_extension(actor=actor, task=task, reason="可按期完成")
    elif action == "resume":
        corrections.resume_case(actor=actor, case=case)
    elif action == "merge":
        coordination.merge_cases(actor=actor, case=case, into=other)
    elif action == "merge_in":
        coordination.merge_cases(actor=actor, case=other, into=case)
        return 0  # the entry is on the merged case
    elif action == "coordinate":
        coordination.coordinate_case(actor=actor, case=case)
    elif action == "joint_action":
        coordination.record_joint_action(
            actor=actor,
            date=timezone.localdate(),
            place=case.place,
            departments=[loop.cg],
            cases=[case],
        )
    elif action == "photo":
        colour = (next(_colours) % 256, 90, 90)
        if not photos.add_photos(actor=actor, case=case, photos=[photo(colour)]):
            return 0
    else:
        return None
    return 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The long roads, always tried besides the random ones.
@example(
    steps=[
        (a, "proper")
        for a in [
            "accept",
            "dispatch_both",
            "take",
            "extension_request",
            "extension_refuse",
            "extension_request",
            "extension_grant",
            "take",
            "handle",
            "handle",
            "verify_fail",
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
@example(
    steps=[
        (a, "proper")
        for a in [
            "photo",
            "coordinate",
            "accept",
            "recategorise",
            "dispatch",
            "recategorise",
            "hold",
            "resume",
            "merge_in",
            "joint_action",
            "dispatch_routed",
            "take",
            "recategorise",
            "merge",
        ]
    ]
)
@given(
    steps=st.lists(st.tuples(st.sampled_from(DRAWN), st.sampled_from(WHO)), min_size=1, max_size=30)
)
def test_random_acts_keep_every_case_possible_and_on_its_timeline(loop, steps):
    Case.objects.update(merged_into=None)  # protected: a merged case keeps its survivor
    Case.objects.all().delete()
    loop.traffic, _ = Category.objects.get_or_create(
        code="traffic", defaults={"name": "交通事故", "default_lead": loop.police}
    )
    lon, lat = IN_G1
    case = report_case(
        actor=loop.courier, category=loop.category, description="占道", longitude=lon, latitude=lat
    )
    other = report_case(
        actor=loop.resident, category=loop.category, description="又占道", place=case.place
    )
    expected = 1  # the report
    seen = [case.status]
    coordinated = False
    for action, who in steps:
        try:
            added = _act(loop, case, other, action, who)
            expected += added or 0
        except DomainError:
            pass  # refused: nothing may have changed
        now = Case.objects.get(pk=case.pk)
        if now.status != seen[-1]:
            assert now.status in CASE_TRANSITIONS[seen[-1]], (seen[-1], now.status)
            seen.append(now.status)
        assert now.coordinated or not coordinated  # once coordinated, always
        coordinated = now.coordinated
    case = Case.objects.get(pk=case.pk)
    tasks = list(case.tasks.all())
    events = list(CaseEvent.objects.filter(case=case))
    assert len(events) == expected
    # The timeline retells the statuses: each entry starts where the last one ended.
    statuses = [e.to_status for e in events]
    for before, entry in zip(statuses, events[1:], strict=False):
        assert entry.from_status == before
        assert entry.to_status == before or entry.to_status in CASE_TRANSITIONS[before]
    assert statuses[-1] == case.status
    live = [t for t in tasks if t.status not in ("returned", "cancelled")]
    if case.status in (
        CaseStatus.REPORTED,
        CaseStatus.ACCEPTED,
        CaseStatus.ON_HOLD,
        CaseStatus.REJECTED,
        CaseStatus.VOIDED,
    ):
        assert not live, case.status  # nothing left in a department's inbox
    if case.status == CaseStatus.CLOSED:
        assert live and all(t.status == TaskStatus.VERIFIED for t in live)
    if case.status == CaseStatus.HANDLED:
        assert live and all(t.status == TaskStatus.HANDLED for t in live)
    if case.rating:
        assert case.status == CaseStatus.CLOSED
    merges = [e for e in events if e.action == "merge"]
    assert (case.merged_into_id is not None) == bool(merges)
    if merges:
        assert merges == [e for e in events if e.to_status == CaseStatus.VOIDED]
    for task in tasks:
        grants = [e for e in events if e.task_id == task.pk and e.action == "extension_grant"]
        assert task.extension_count == len(grants)
