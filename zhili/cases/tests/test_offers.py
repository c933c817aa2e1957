"""What the case page and the API offer is exactly what the services accept.

Random case histories (random acts by random members of the cast) are walked; in every state
reached, each act is tried by each member of the cast, with valid input, inside a savepoint
that is rolled back: it must go through exactly when the act is offered
(zhili/cases/offers.py, from the act's row of zhili/cases/act_rules.py)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhili.cases.act_rules import ACT_RULES
from zhili.cases.models import LIVE_TASK_STATUSES, Case, Category, TaskRole, TaskStatus
from zhili.cases.offers import ACTS, perform
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1
from zhili.core import permissions
from zhili.core.errors import DomainError

CAST = [
    "dispatcher",
    "coordinator",
    "grid_officer",
    "handler",
    "police_handler",
    "courier",
    "secretary",
    "outsider",
]


class _RolledBack(Exception):
    pass


def _values(loop, act: str, actor, case: Case, other: Case) -> dict:
    """Valid input for `act` on `case` as it stands (what a person filling the form would
    send); the service still refuses what the actor may not do."""
    values = {"version": case.version, "task": None}
    live = [t for t in case.tasks.all() if t.status in LIVE_TASK_STATUSES]
    lead = next((t.department for t in live if t.role == TaskRole.LEAD), None)
    if act == "dispatch":
        values.update(lead=loop.cg, co_departments=[loop.police])
    elif act == "reassign":
        new_lead = loop.police if lead == loop.cg else loop.cg
        staying = [t.department for t in live if t.department not in (lead, new_lead)]
        values.update(lead=new_lead, co_departments=staying)
        values["reason"] = "派错了"
    elif act == "extension":
        ids = permissions.department_ids(actor)
        mine = [t for t in live if t.status == TaskStatus.TAKEN and t.department_id in ids]
        start = mine[0].handle_deadline if mine else timezone.now()
        values.update(until=start + dt.timedelta(days=2), reason="需协调")
    elif act == "hold":
        values.update(reason="暂缓", review_on=timezone.localdate() + dt.timedelta(days=7))
    elif act == "recategorise":
        values["category"] = loop.traffic if case.category_id == loop.category.pk else loop.category
    elif act == "merge":
        values["into"] = other
    elif act == "verify":
        values["passed"] = True
    elif act == "decide_objection":
        values.update(upheld=True, reason="确非本部门职责")
    values.setdefault("reason", "理由")
    values.update(result="已处理", note="未整改到位", rating="satisfied")
    return values


def _accepted(loop, act: str, actor, case: Case, other: Case) -> bool:
    """Whether the act's service accepts it now: tried, then rolled back."""
    try:
        with transaction.atomic():
            perform(
                ACTS[act], actor=actor, case=case, values=_values(loop, act, actor, case, other)
            )
            raise _RolledBack
    except _RolledBack:
        return True
    except DomainError:
        return False


def _fresh(case: Case) -> Case:
    return Case.objects.prefetch_related("tasks__department").get(pk=case.pk)


def _check_every_offer(loop, case: Case, other: Case, history) -> None:
    for who in CAST:
        actor = getattr(loop, who)
        for act in ACTS:
            case = _fresh(case)
            offered = ACTS[act].offered(actor, case)
            accepted = _accepted(loop, act, actor, case, other)
            assert offered == accepted, (who, act, case.status, offered, accepted, history)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The roads through objections and reassignment, always tried besides the random ones.
@example(
    steps=[
        ("accept", 0),
        ("dispatch", 0),  # 城管 leads, 公安 co-department
        ("object", 0),  # 城管 objects
        ("decide_objection", 0),  # kept: 城管 must take it
        ("object", 1),  # 公安 objects
        ("decide_objection", 1),  # upheld: 公安's order taken back
        ("reassign", 0),  # to 公安 alone: 城管's order cancelled
        ("return", 0),  # 公安 returns: no order left, back to the centre
        ("dispatch", 0),
        ("return", 0),  # 城管 returns while 公安 works on: the centre must reassign
        ("take", 0),
        ("reassign", 0),
        ("take", 0),
        ("extension", 0),
        ("grant_extension", 0),
        ("handle", 0),
        ("handle", 0),
        ("rework", 0),
        ("handle", 0),
        ("handle", 0),
        ("verify", 0),
        ("close", 0),
        ("rate", 0),
        ("reopen", 0),
    ]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(ACTS)), st.integers(min_value=0, max_value=7)),
        min_size=1,
        max_size=10,
    )
)
def test_an_act_is_offered_exactly_when_its_service_accepts_it(loop, steps):
    Case.objects.update(merged_into=None)
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
    history = []
    _check_every_offer(loop, case, other, history)
    for act, pick in steps:
        case = _fresh(case)
        # Mostly someone to whom the act is offered, so that histories go somewhere.
        offering = [w for w in CAST if ACTS[act].offered(getattr(loop, w), case)]
        who = offering[pick % len(offering)] if offering and pick < 6 else CAST[pick % len(CAST)]
        actor = getattr(loop, who)
        try:
            values = _values(loop, act, actor, case, other)
            values["upheld"] = pick % 2 == 1  # the centre keeps some orders, takes back others
            perform(ACTS[act], actor=actor, case=case, values=values)
            history.append((act, who))
        except DomainError:
            history.append((act, who, "refused"))
        _check_every_offer(loop, case, other, history)


def test_every_act_on_the_page_has_its_row():
    assert {act.rule.name for act in ACTS.values()} <= set(ACT_RULES)
    assert set(ACT_RULES) - {act.rule.name for act in ACTS.values()} == {"merge_into"}
