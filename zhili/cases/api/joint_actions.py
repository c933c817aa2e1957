"""/api/v1/joint-actions: the street's joint enforcement actions (联合执法)."""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from zhili.cases import coordination_selectors as joint
from zhili.cases.api.schemas import (
    JointActionDetailOut,
    JointActionOut,
    name_as_sent,
)
from zhili.cases.selectors import (
    cases_for,
)
from zhili.cases.services.coordination import record_joint_action
from zhili.core import permissions
from zhili.core.bounds import MAX_BIGINT, BoundedLimitOffset, Id
from zhili.core.errors import InvalidInput
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.places.models import Place

# Mounted at /api/v1/joint-actions by zhili/api/urls.py.
joint_actions_router = Router(tags=["joint enforcement actions"])


# --- Joint enforcement actions (联合执法) -----------------------------------------------------


class JointActionIn(Schema):
    date: dt.date
    place_id: Id
    department_ids: list[Id] = []
    case_ids: list[Id] = []
    cases_solved: Annotated[int, Field(le=MAX_BIGINT)] = 0  # below 0: the service's error
    notes: str = ""


# The service's field names as the API's clients send them.
_JOINT_ACTION_FIELDS = {"place": "place_id", "departments": "department_ids", "cases": "case_ids"}


@joint_actions_router.get("", response=list[JointActionOut])
@paginate(BoundedLimitOffset)
def list_joint_actions(request, case: Id | None = None):
    """The joint enforcement actions in the caller's area, newest first; `case` narrows to
    those linked to one case."""
    permissions.require(request.user, Cap.CASES_VIEW)
    actions = joint.area_joint_actions(request.user)
    if case is not None:
        actions = actions.filter(cases__id=case)
    return actions


@joint_actions_router.post("", response={201: JointActionDetailOut})
def create_joint_action(request, payload: JointActionIn):
    """Record a joint enforcement action (联合执法) and link it to its cases: the street
    (cases.coordinate over the place). The cases must lie within the place and be neither
    rejected nor voided; the date is today or earlier; the departments serve the place."""
    actor = request.user
    permissions.require(actor, Cap.CASES_COORDINATE)
    errors: dict[str, list] = {}
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        errors["place_id"] = [_("Choose a place from the list.")]
    departments = Department.objects.in_bulk(payload.department_ids)
    if len(departments) != len(set(payload.department_ids)):
        errors["department_ids"] = [_("Choose departments from the list.")]
    cases = list(cases_for(actor).filter(pk__in=payload.case_ids))
    missing = sorted(set(payload.case_ids) - {c.pk for c in cases})
    if missing:
        errors["case_ids"] = [
            _("Not in your area, or no such case: %(ids)s")
            % {"ids": ", ".join(str(i) for i in missing)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    try:
        action = record_joint_action(
            actor=actor,
            date=payload.date,
            place=place,
            departments=list(departments.values()),
            cases=cases,
            cases_solved=payload.cases_solved,
            notes=payload.notes,
        )
    except InvalidInput as exc:
        exc.fields = name_as_sent(exc.fields, _JOINT_ACTION_FIELDS)
        raise
    return Status(201, joint.access_joint_action(actor, action.pk))


@joint_actions_router.get("/{action_id}", response=JointActionDetailOut)
def get_joint_action(request, action_id: Id):
    """One joint enforcement action of the caller's area, with its cases."""
    permissions.require(request.user, Cap.CASES_VIEW)
    return joint.access_joint_action(request.user, action_id)
