"""Reads for the street's joint enforcement actions (联合执法), limited to what the actor may
see: the area's actions and one of them, a case's actions, and what the form may offer (the
places, the departments serving them, the cases an action may be linked to). The rules of
recording one are zhili.cases.services.coordination.record_joint_action's."""

import datetime as dt

from django.db.models import Case as Cond
from django.db.models import Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from zhili.cases.models import (
    LIVE_TASK_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    JointAction,
)
from zhili.cases.selectors import joint_actions_for
from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.orgs.selectors import departments_serving
from zhili.places.models import Place, PlaceKind

# The form offers the coordinated cases that are open or closed within this many days.
RECENTLY_CLOSED_DAYS = 30
# At most this many of them, newest first (a street's year of shared cases is a long list).
CANDIDATE_LIMIT = 200
# The kinds of place a joint action may be recorded at.
ACTION_PLACE_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND)
# A joint action's cases may not be these (the service refuses them too).
UNLINKABLE = (CaseStatus.REJECTED, CaseStatus.VOIDED)


def area_joint_actions(actor) -> QuerySet[JointAction]:
    """The joint actions in the actor's area (cases.view), newest first, with their
    departments and how many cases each is linked to."""
    return (
        joint_actions_for(actor)
        .select_related("created_by")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-date", "-id")
    )


def access_joint_action(actor, action_id) -> JointAction:
    """One joint action of the actor's area, with its cases; "not found" outside it."""
    try:
        return (
            joint_actions_for(actor)
            .select_related("created_by")
            .prefetch_related(
                Prefetch(
                    "cases",
                    queryset=Case.objects.select_related("category", "place").order_by(
                        "-reported_at", "-id"
                    ),
                )
            )
            .get(pk=action_id)
        )
    except (JointAction.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def case_joint_actions(case: Case) -> list[JointAction]:
    """The joint actions linked to a case the actor may already see, newest first."""
    return list(
        case.joint_actions.select_related("place")
        .prefetch_related("departments")
        .order_by("-date", "-id")
    )


def visible_joint_action_ids(actor, actions) -> set[int]:
    """Which of these actions the actor may open (the reporter of a case sees that an action
    dealt with it, but its page is for those who see the area)."""
    return {a.pk for a in actions if permissions.can(actor, Cap.CASES_VIEW, a.place_path)}


def may_record_joint_actions(actor) -> bool:
    return permissions.can(actor, Cap.CASES_COORDINATE)


def may_link_case(actor, case: Case) -> bool:
    """Whether the case page offers to record a joint action for this case."""
    return case.status not in UNLINKABLE and permissions.can(
        actor, Cap.CASES_COORDINATE, case.place_path
    )


def joint_action_places(actor) -> QuerySet[Place]:
    """The streets, communities, grids and compounds within the actor's coordination area."""
    return permissions.scope_filter(
        Place.objects.filter(kind__in=ACTION_PLACE_KINDS), actor, Cap.CASES_COORDINATE, "path"
    ).order_by("path")


def joint_action_departments(actor) -> QuerySet[Department]:
    """Active departments serving the actor's coordination area: their jurisdiction is the
    area, above it, or within it (the service checks each against the chosen place)."""
    paths = permissions.scope_paths(actor, Cap.CASES_COORDINATE)
    return departments_serving(paths, or_within=True).order_by("code")


def joint_action_cases(actor, include=(), *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases a joint action of the actor may be linked to: those of the actor's
    coordination area that the street coordinates or several departments share, neither
    rejected nor voided, open or closed within RECENTLY_CLOSED_DAYS (the newest
    CANDIDATE_LIMIT of them); and the cases named in `include` (e.g. the case whose page
    the form was opened from) when they lie in the area and may be linked."""
    now = now or timezone.now()
    area = Case.objects.filter(
        permissions.scope_q(actor, Cap.CASES_COORDINATE, "place_path")
    ).exclude(status__in=UNLINKABLE)
    shared = (
        area.filter(
            Q(status__in=OPEN_STATUSES)
            | Q(closed_at__gte=now - dt.timedelta(days=RECENTLY_CLOSED_DAYS))
        )
        .annotate(live=Count("tasks", filter=Q(tasks__status__in=LIVE_TASK_STATUSES)))
        .filter(Q(coordinated=True) | Q(live__gt=1))
        .order_by("-reported_at", "-id")
        .values_list("pk", flat=True)
    )
    ids = set(shared[:CANDIDATE_LIMIT])
    wanted = [int(i) for i in include if str(i).isdigit()]
    if wanted:
        ids |= set(area.filter(pk__in=wanted).values_list("pk", flat=True))
    # The named cases first, then the open ones, then those closed lately; newest first.
    rank = Cond(
        When(pk__in=wanted or [0], then=Value(0)),
        When(status__in=OPEN_STATUSES, then=Value(1)),
        default=Value(2),
    )
    return (
        Case.objects.filter(pk__in=ids)
        .select_related("category", "place")
        .order_by(rank, "-reported_at", "-id")
    )
