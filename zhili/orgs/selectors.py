from django.db.models import Q, QuerySet

from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.core.permissions import Cap
from zhili.orgs.models import Department


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
