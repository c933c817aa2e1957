"""Who is told: the holders of a role whose scope holds a case's place.

A grant over a place covers the place's subtree, so the grants that cover a case are those
whose place path is one of the case's ancestor paths: an exact, indexed `path IN (…)` rather
than a reversed prefix match.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from zhili.cases.models import Case, CaseFollower
from zhili.core.permissions import Role
from zhili.people.models import RoleGrant, User
from zhili.places.models import ancestor_paths


def holders(
    role: str, place_path: str, *, departments: Iterable[int] | None = None
) -> QuerySet[User]:
    """Active users holding `role` over the place (and, for handlers, for one of
    `departments`)."""
    grants = RoleGrant.objects.filter(role=role, place__path__in=ancestor_paths(place_path))
    if departments is not None:
        grants = grants.filter(department_id__in=list(departments))
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("pk")


def department_handlers(case: Case, departments: Iterable[int]) -> QuerySet[User]:
    return holders(Role.HANDLER, case.place_path, departments=departments)


def centre(place_path: str) -> QuerySet[User]:
    """The governance centre's dispatchers over the place."""
    return holders(Role.DISPATCHER, place_path)


def street_coordinators(place_path: str) -> QuerySet[User]:
    return holders(Role.STREET_COORDINATOR, place_path)


def grid_officers(place_path: str) -> QuerySet[User]:
    return holders(Role.GRID_OFFICER, place_path)


def reporter_and_followers(case: Case) -> QuerySet[User]:
    """The case's reporter, and whoever follows it (merged duplicates' reporters)."""
    followers = CaseFollower.objects.filter(case=case).values("user_id")
    return User.objects.filter(
        Q(pk=case.reporter_id) | Q(pk__in=followers), is_active=True
    ).order_by("pk")
