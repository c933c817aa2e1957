"""Street coordination (街道吹哨、部门报到) and duplicates (并单): the street marks a case that
needs several departments as coordinated and then dispatches it itself; joint enforcement
actions (联合执法) are recorded against their cases; the centre merges a duplicate into the
case that survives, whose followers then include every reporter of the merged cases."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.services import record_audit
from zhili.cases.act_rules import check_act
from zhili.cases.models import (
    Case,
    CaseFollower,
    CaseStatus,
    JointAction,
)
from zhili.cases.services.checks import case_for_act
from zhili.cases.services.common import cancel_live_tasks, lock_case, move_case, touch_case
from zhili.core import permissions
from zhili.core.errors import Conflict, InvalidInput
from zhili.core.permissions import Cap
from zhili.orgs.selectors import serving_ids
from zhili.places.models import Place

MAX_NOTES = 4000


@transaction.atomic
def coordinate_case(*, actor, case: Case, note: str = "", version: int | None = None) -> Case:
    """Mark a case as coordinated by the street: its street coordinator may then name the lead
    and co-departments (flow.dispatch_case). Who may: cases.coordinate over the case's place
    (the street coordinator of its street), or the centre (cases.dispatch)."""
    case = case_for_act(actor, "coordinate", case, version)
    case.coordinated = True
    touch_case(
        actor=actor,
        case=case,
        action="coordinate",
        note=(note or "").strip()[:2000],
        changes={"coordinated": [False, True]},
    )
    return case


@transaction.atomic
def record_joint_action(
    *,
    actor,
    date: dt.date,
    place: Place,
    departments,
    cases=(),
    cases_solved: int = 0,
    notes: str = "",
) -> JointAction:
    """Record a joint enforcement action (联合执法) and link it to its cases, each of which gets
    a "joint_action" entry on its timeline. Who may: cases.coordinate over `place`. The cases
    must lie within `place` and be neither rejected nor voided. Raises InvalidInput on
    "date", "departments", "cases", "cases_solved"."""
    if not isinstance(place, Place):
        raise InvalidInput(fields={"place": [_("Choose a place.")]})
    permissions.require(actor, Cap.CASES_COORDINATE, place.path)
    departments = list({d.pk: d for d in departments or []}.values())
    cases = sorted({c.pk: c for c in cases or []}.values(), key=lambda c: c.pk)
    errors: dict[str, list] = {}
    if not isinstance(date, dt.date) or date > timezone.localdate():
        errors["date"] = [_("Give the day it took place, today or earlier.")]
    if not departments:
        errors["departments"] = [_("Name the departments that took part.")]
    serving = serving_ids(place.path, departments)
    for department in departments:
        if department.pk not in serving:
            errors.setdefault("departments", []).append(
                _("%(dept)s does not serve this place.") % {"dept": department.name}
            )
    if not isinstance(cases_solved, int) or cases_solved < 0:
        errors["cases_solved"] = [_("Enter a whole number, 0 or more.")]
    locked = [lock_case(c) for c in cases]  # in id order, so two recorders cannot deadlock
    outside = [c.number for c in locked if not c.place_path.startswith(place.path)]
    if outside:
        errors["cases"] = [
            _("Not within this place: %(numbers)s") % {"numbers": "、".join(outside)}
        ]
    void = [c.number for c in locked if c.status in (CaseStatus.VOIDED, CaseStatus.REJECTED)]
    if void:
        errors.setdefault("cases", []).append(
            _("Rejected or voided: %(numbers)s") % {"numbers": "、".join(void)}
        )
    if errors:
        raise InvalidInput(fields=errors)
    action = JointAction.objects.create(
        date=date,
        place=place,
        place_path=place.path,
        cases_solved=cases_solved,
        notes=(notes or "").strip()[:MAX_NOTES],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    action.departments.set(departments)
    action.cases.set(locked)
    record_audit(
        actor=actor,
        action="joint_action.record",
        obj=action,
        place_path=place.path,
        changes={
            "departments": [None, "、".join(d.short_name for d in departments)],
            "cases": [None, [c.number for c in locked]],
            "cases_solved": [None, cases_solved],
        },
    )
    note = _("Joint enforcement on %(date)s by %(departments)s") % {
        "date": date.isoformat(),
        "departments": "、".join(d.short_name for d in departments),
    }
    for case in locked:
        touch_case(
            actor=actor,
            case=case,
            action="joint_action",
            note=note,
            changes={"joint_action": [None, action.pk]},
        )
    return action


@transaction.atomic
def merge_cases(*, actor, case: Case, into: Case, version: int | None = None) -> Case:
    """Merge a duplicate `case` into `into` (并单): `case` is voided with the reason "merged
    into N" and points to `into`; its followers (its reporter and those of cases merged into
    it before) follow `into`, each once. Who may: the centre (cases.dispatch) over both
    places. Raises InvalidInput on "into" for the case itself; Conflict when either case's
    status does not allow it."""
    if case.pk == into.pk:
        raise InvalidInput(fields={"into": [_("Choose another case to merge into.")]})
    # Both rows locked, lower id first, so two merges of the same pair cannot deadlock.
    first, second = sorted([case, into], key=lambda c: c.pk)
    first, second = lock_case(first), lock_case(second)
    case, into = (first, second) if first.pk == case.pk else (second, first)
    if version is not None and case.version != version:
        raise Conflict()
    check_act(actor, "merge", case)
    check_act(actor, "merge_into", into)
    followers = set(case.followers.values_list("user_id", flat=True))
    if case.reporter_id:
        followers.add(case.reporter_id)
    already = set(into.followers.values_list("user_id", flat=True))
    CaseFollower.objects.bulk_create(
        [CaseFollower(case=into, user_id=user_id) for user_id in sorted(followers - already)]
    )
    cancelled = cancel_live_tasks(case)
    reason = _("merged into %(number)s") % {"number": into.number}
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.VOIDED,
        action="merge",
        cancelled=cancelled,
        note=reason,
        changes={"merged_into": [None, into.number]},
        reason=reason,
        merged_into=into,
        step="",
        step_deadline=None,
    )
    return case
