"""The demo street's joint enforcement actions (联合执法) over the year of cases: eight
actions that 泊阳街道 called with two or three departments (占道经营整治, 违建拆除, 渣土车夜查 …),
each linked to the street's open cases of its kind at the time, preferring those the street
coordinates or several departments share.

Written as zhili.cases.services.coordination.record_joint_action would write them: the
action with its departments and cases, and on each linked case a "joint_action" step on its
timeline (status unchanged, version bumped), recorded by the street coordinator on the day.
Run after zhili.demo.cases.build_cases; drawn from one `random.Random`, so the same seed and
the same `now` give the same actions.
"""

import datetime as dt
import random

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhili.cases.models import (
    LIVE_TASK_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    JointAction,
)
from zhili.core.permissions import Role
from zhili.demo import data
from zhili.orgs.models import Department
from zhili.people.models import User
from zhili.places.models import Place, PlaceKind

DAYS = 365
# Cases reported this many days before an action may be linked to it.
LOOK_BACK_DAYS = 45
MOST_CASES = 4
# A linked case in one of these statuses now counts as solved by the action.
SOLVED = (CaseStatus.HANDLED, CaseStatus.VERIFIED, CaseStatus.CLOSED)

# (category codes of its cases, departments, whether street-wide, notes with {n} stalls,
# sites or vehicles dealt with).
_PLANS = [
    (("ltlf",), ("cg", "ga"), False, "占道经营集中整治：清理流动摊点{n}处，劝导沿街商户退店经营。"),
    (("wgdj",), ("cg", "zj", "ga"), False, "违建拆除：依法拆除楼顶及绿地内违规搭建{n}处。"),
    (
        ("hjwr", "ssss"),
        ("cg", "ga", "sthj"),
        True,
        "渣土车夜查：夜间联合查处抛洒滴漏、未苫盖车辆{n}辆。",
    ),
    (("aqyh",), ("ga", "zj"), False, "电动车楼道充电隐患排查：入户排查{n}栋楼，现场清理飞线充电。"),
    (
        ("hjwr",),
        ("sthj", "cg"),
        False,
        "餐饮油烟、夜间施工噪声联合检查：检查商户及工地{n}家，责令整改。",
    ),
    (("ltlf", "ssss"), ("cg", "ga"), True, "共享单车及机动车乱停集中清理：清理占用盲道车辆{n}辆。"),
    (
        ("aqyh", "zaxyh"),
        ("ga", "zj", "mz"),
        False,
        "群租房安全隐患联合排查：走访出租屋{n}户，登记流动人口。",
    ),
    (
        ("kljf", "zaxyh"),
        ("ga", "mz"),
        False,
        "矛盾纠纷集中调处：联合走访调解{n}起，落实包案责任人。",
    ),
]


def _street() -> Place:
    """The street of the demo's street coordinator (泊阳街道)."""
    return Place.objects.get(code=data.STREETS[0][0])


def _coordinator(street: Place) -> User | None:
    return (
        User.objects.filter(role_grants__role=Role.STREET_COORDINATOR, role_grants__place=street)
        .order_by("username")
        .first()
    )


def _status_at(case: Case, at: dt.datetime) -> str:
    """The case's status at `at`, from its timeline."""
    status = ""
    for event in case.timeline:
        if event.at > at:
            break
        status = event.to_status
    return status


def build_joint_actions(*, seed: int, now: dt.datetime) -> int:
    """Write the demo street's joint actions of the DAYS days before `now`; returns how
    many. Needs the demo city and its cases (zhili.demo.cases.build_cases)."""
    rng = random.Random(f"joint-actions-{seed}")
    street = _street()
    coordinator = _coordinator(street)
    communities = list(
        Place.objects.filter(kind=PlaceKind.COMMUNITY, path__startswith=street.path).order_by(
            "code"
        )
    )
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    today = timezone.localtime(now).date()
    start = today - dt.timedelta(days=DAYS)
    span = DAYS // len(_PLANS)
    written = 0
    for i, (codes, dept_codes, street_wide, notes) in enumerate(_PLANS):
        day = start + dt.timedelta(days=i * span + rng.randrange(span // 4, span - 3))
        day = min(day, today - dt.timedelta(days=2))
        recorded_at = dt.datetime.combine(
            day, dt.time(17, rng.randrange(60)), tzinfo=timezone.get_default_timezone()
        )
        place = street if street_wide or not communities else rng.choice(communities)
        chosen = _cases(place, codes, recorded_at, rng)
        if not chosen and place != street:  # nothing open there then: a street-wide action
            place, chosen = street, _cases(street, codes, recorded_at, rng)
        involved = [departments[c] for c in dept_codes if c in departments]
        if not involved:
            continue
        solved = sum(1 for c in chosen if c.status in SOLVED)
        action = JointAction.objects.create(
            date=day,
            place=place,
            place_path=place.path,
            cases_solved=solved,
            notes=notes.format(n=rng.randint(4, 30)),
            created_by=coordinator,
        )
        JointAction.objects.filter(pk=action.pk).update(created_at=recorded_at)
        action.departments.set(involved)
        action.cases.set(chosen)
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Joint enforcement on %(date)s by %(departments)s") % {
                "date": day.isoformat(),
                "departments": "、".join(d.short_name for d in involved),
            }
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=case,
                    action="joint_action",
                    from_status=case.status_then,
                    to_status=case.status_then,
                    actor=coordinator,
                    actor_label=coordinator.username if coordinator else "system:demo",
                    at=recorded_at,
                    note=note,
                )
                for case in chosen
            ]
        )
        Case.objects.filter(pk__in=[c.pk for c in chosen]).update(version=F("version") + 1)
        written += 1
    return written


def _cases(place: Place, codes, at: dt.datetime, rng: random.Random) -> list[Case]:
    """Up to MOST_CASES cases of these categories within `place`, reported in the
    LOOK_BACK_DAYS before `at` and open at `at`: the coordinated and shared ones first."""
    candidates = list(
        Case.objects.filter(
            place_path__startswith=place.path,
            category__code__in=codes,
            reported_at__gte=at - dt.timedelta(days=LOOK_BACK_DAYS),
            reported_at__lt=at,
        )
        .annotate(live=Count("tasks", filter=Q(tasks__status__in=LIVE_TASK_STATUSES)))
        .order_by("reported_at", "pk")
    )
    events = {}
    for event in CaseEvent.objects.filter(case__in=[c.pk for c in candidates]).order_by(
        "case", "at", "id"
    ):
        events.setdefault(event.case_id, []).append(event)
    open_then = []
    for case in candidates:
        case.timeline = events.get(case.pk, [])
        case.status_then = _status_at(case, at)
        if case.status_then in OPEN_STATUSES:
            open_then.append(case)
    preferred = [c for c in open_then if c.coordinated or c.live > 1]
    others = [c for c in open_then if not (c.coordinated or c.live > 1)]
    rng.shuffle(others)
    wanted = rng.randint(2, MOST_CASES)
    return sorted((preferred + others)[:wanted], key=lambda c: c.pk)
