from collections.abc import Iterable

from django.db.models import Q, QuerySet

from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.places.models import ancestor_paths


def departments_for(actor) -> QuerySet[Department]:
    """Departments whose jurisdiction overlaps the actor's scope (a department serving the
    whole city is seen by everyone who may see departments)."""
    paths = permissions.scope_paths(actor, Cap.DEPARTMENTS_VIEW)
    if not paths:
        return Department.objects.none()
    q = Q()
    for path in paths:
        # Within my scope, or above it (serving my area too).
        q |= Q(jurisdiction__path__startswith=path)
        codes = [c for c in path.split("/") if c]
        q |= Q(jurisdiction__code__in=codes)
    return Department.objects.filter(q).select_related("jurisdiction")


def access_department(actor, department_id) -> Department:
    try:
        return departments_for(actor).get(pk=department_id)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def departments_serving(
    paths: str | Iterable[str] | None, *, or_within: bool = False
) -> QuerySet[Department]:
    """The active departments serving a place: those whose jurisdiction contains it (is the
    place or lies above it, as the city's departments serve every street). `paths` is the
    place's path, or several paths (serving any of them), or None for the whole tree (every
    active department). With `or_within`, also those serving only part of it (jurisdiction
    within it), as a bulletin of a place and a street's joint actions list them.

    The one statement of this rule: dispatching, joint actions, their forms and the bulletin
    all ask here."""
    active = Department.objects.filter(is_active=True)
    if paths is None:
        return active
    q = Q(pk__in=[])
    for path in [paths] if isinstance(paths, str) else paths:
        q |= Q(jurisdiction__path__in=ancestor_paths(path))
        if or_within:
            q |= Q(jurisdiction__path__startswith=path)
    return active.filter(q)


def serving_ids(path: str, departments: Iterable[Department]) -> set[int]:
    """The ids of those of `departments` that serve the place with this path
    (departments_serving), in one query: what dispatching and joint actions check."""
    pks = [d.pk for d in departments]
    return set(departments_serving(path).filter(pk__in=pks).values_list("pk", flat=True))
