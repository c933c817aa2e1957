"""Reads of cases, limited to what the actor may see."""

from django.db.models import Q, QuerySet

from zhili.cases.models import Case, CaseTask
from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.core.permissions import Cap


def cases_for(actor) -> QuerySet[Case]:
    """Cases in the actor's area (cases.view), cases with an order for the actor's
    department (handlers), and the cases the actor reported."""
    q = permissions.scope_q(actor, Cap.CASES_VIEW, "place_path")
    departments = permissions.department_ids(actor)
    if departments and permissions.can(actor, Cap.CASES_HANDLE):
        q |= Q(tasks__department_id__in=departments)
    if getattr(actor, "pk", None):
        q |= Q(reporter_id=actor.pk)
    return Case.objects.filter(pk__in=Case.objects.filter(q).values("pk")).select_related(
        "category", "place"
    )


def access_case(actor, case_id) -> Case:
    try:
        return cases_for(actor).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def inbox_for(actor) -> QuerySet[CaseTask]:
    """A department handler's orders, waiting and in hand, oldest deadline first."""
    return (
        CaseTask.objects.filter(
            department_id__in=permissions.department_ids(actor),
            status__in=["dispatched", "taken"],
        )
        .select_related("case", "case__category", "department")
        .order_by("take_deadline", "id")
    )
