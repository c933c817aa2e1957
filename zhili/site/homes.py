"""What each role sees first after signing in: one small function per role."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.selectors import recent_for
from zhili.cases.models import OPEN_STATUSES, CaseStatus
from zhili.cases.selectors import area_cases, extension_requests_for, inbox_for, overdue_q
from zhili.core import permissions
from zhili.core.permissions import Cap, Role
from zhili.core.workcalendar import missing_year
from zhili.notifications.models import Escalation
from zhili.orgs.models import Department
from zhili.orgs.selectors import departments_for
from zhili.people.models import PARTY_STATUSES, User
from zhili.people.selectors import people_for
from zhili.places.models import PlaceKind
from zhili.places.selectors import places_for


def _kind_counts(actor) -> dict:
    rows = places_for(actor).values("kind").annotate(n=Count("id"))
    counts = {row["kind"]: row["n"] for row in rows}
    return {str(label): counts.get(kind, 0) for kind, label in PlaceKind.choices}


def _calendar_warning(actor) -> dict:
    """The year whose holiday notice must be entered, from 60 days before the calendar ends,
    and whether this person may enter it (the configuration area is for administrators)."""
    return {
        "calendar_missing_year": missing_year(timezone.localdate()),
        "may_enter_calendar": actor.is_staff and permissions.can(actor, Cap.ACCOUNTS_MANAGE),
    }


def admin_home(actor, place) -> dict:
    return {
        **_calendar_warning(actor),
        "place_counts": _kind_counts(actor),
        "people_count": people_for(actor).count(),
        "account_count": User.objects.filter(is_active=True)
        .filter(permissions.scope_q(actor, Cap.ACCOUNTS_MANAGE, "role_grants__place__path"))
        .distinct()
        .count(),
        "departments": departments_for(actor),
        "recent_audit": recent_for(actor),
    }


def _case_counts(actor) -> dict:
    """What waits for the centre: reports to accept or reject, and open cases past their
    step's deadline, in one aggregate over the actor's area."""
    return area_cases(actor).aggregate(
        awaiting=Count("id", filter=Q(status=CaseStatus.REPORTED)),
        overdue=Count("id", filter=overdue_q()),
    )


# How many rows a home's short lists show; the count and the link lead to the rest.
HOME_LIST = 8


def _extension_requests(actor) -> dict:
    """The orders whose department asks the centre for more time: the facts to decide on
    (current and requested deadline, reason), nearest current deadline first."""
    requests = extension_requests_for(actor)
    return {"extension_count": requests.count(), "extension_requests": requests[:HOME_LIST]}


def _overdue_and_escalations(actor) -> dict:
    """The overdue cases of the actor's area (the most recently missed deadline first) and
    the escalations the sweep recorded on its cases still open (newest first), with counts."""
    now = timezone.now()
    overdue = area_cases(actor).filter(overdue_q(now)).order_by("-step_deadline", "-id")
    escalations = (
        Escalation.objects.filter(
            permissions.scope_q(actor, Cap.CASES_VIEW, "case__place_path"),
            case__status__in=OPEN_STATUSES,
        )
        .select_related("case", "case__category")
        .order_by("-created_at", "-id")
    )
    return {
        "overdue_count": overdue.count(),
        "overdue_cases": overdue[:HOME_LIST],
        "escalation_count": escalations.count(),
        "escalations": escalations[:HOME_LIST],
    }


def dispatcher_home(actor, place) -> dict:
    return {
        **_calendar_warning(actor),
        **_extension_requests(actor),
        "case_counts": _case_counts(actor),
        "place_counts": _kind_counts(actor),
        "departments": departments_for(actor),
        "people_count": people_for(actor).count(),
    }


def street_home(actor, place) -> dict:
    communities = (
        places_for(actor)
        .filter(kind=PlaceKind.COMMUNITY)
        .annotate(
            grid_count=Count("children", filter=Q(children__kind=PlaceKind.GRID), distinct=True),
        )
        .order_by("code")
    )
    # People per community in one aggregate: a community's path is a prefix of equal length
    # (the codes have fixed lengths) of every path below it.
    per_community: dict[str, int] = {}
    if communities:
        width = len(communities[0].path)
        per_community = dict(
            people_for(actor)
            .annotate(community_path=Substr("address_place__path", 1, width))
            .values("community_path")
            .annotate(n=Count("id"))
            .values_list("community_path", "n")
        )
    rows = [(c, per_community.get(c.path, 0)) for c in communities]
    chart = {
        "labels": [c.name for c, _ in rows],
        "values": [n for _, n in rows],
        "name": _("People registered"),
    }
    return {
        **_overdue_and_escalations(actor),
        "communities": rows,
        "community_chart": chart,
        "departments": departments_for(actor),
        "recent_audit": recent_for(actor),
    }


def secretary_home(actor, place) -> dict:
    people = people_for(actor)
    return {
        **_overdue_and_escalations(actor),
        "places": places_for(actor).exclude(kind=PlaceKind.COMMUNITY).order_by("kind", "code"),
        "people_count": people.count(),
        "party_count": people.filter(political_status__in=PARTY_STATUSES).count(),
        "newest_people": people.order_by("-created_at", "-id")[:8],
        "recent_audit": recent_for(actor),
    }


def grid_home(actor, place) -> dict:
    return {
        **_overdue_and_escalations(actor),
        "grids": places_for(actor).filter(kind=PlaceKind.GRID),
        "people": people_for(actor).order_by("name")[:20],
        "people_count": people_for(actor).count(),
    }


def handler_home(actor, place) -> dict:
    ids = permissions.department_ids(actor)
    departments = Department.objects.filter(pk__in=ids).select_related("jurisdiction")
    colleagues = (
        User.objects.filter(
            role_grants__department__in=ids, role_grants__role=Role.HANDLER, is_active=True
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
    return {
        "my_departments": departments,
        "colleagues": colleagues,
        "inbox_count": inbox_for(actor).count(),
    }


ORGANISATION_PLACES_PAGE = 30


def organisation_home(actor, place, page: str | None = None) -> dict:
    """The places the organisation serves, 30 a page (the industry branch serves the city)."""
    places = places_for(actor).order_by("path")
    return {"page": Paginator(places, ORGANISATION_PLACES_PAGE).get_page(page)}


def member_home(actor, place) -> dict:
    person = actor.person
    grid = None
    if person is not None:
        grid = person.address_place
    my_cases = actor.reported_cases.select_related("category").order_by("-reported_at", "-id")
    return {"person": person, "home_place": grid, "my_cases": my_cases[:10]}


HOMES = {
    Role.ADMIN: admin_home,
    Role.DISPATCHER: dispatcher_home,
    Role.STREET_COORDINATOR: street_home,
    Role.COMMUNITY_SECRETARY: secretary_home,
    Role.GRID_OFFICER: grid_home,
    Role.HANDLER: handler_home,
    Role.INDUSTRY_BRANCH: organisation_home,
    Role.PROPERTY_COMPANY: organisation_home,
    Role.OWNERS_COMMITTEE: organisation_home,
    Role.VOLUNTEER: member_home,
    Role.COURIER: member_home,
    Role.RESIDENT: member_home,
    Role.API_CLIENT: member_home,
}


# Roles whose home pages look alike share a template.
TEMPLATES = {
    Role.INDUSTRY_BRANCH: "organisation",
    Role.PROPERTY_COMPANY: "organisation",
    Role.OWNERS_COMMITTEE: "organisation",
    Role.VOLUNTEER: "member",
    Role.COURIER: "member",
    Role.RESIDENT: "member",
    Role.API_CLIENT: "member",
}


def home_context(actor, place, page: str | None = None) -> tuple[str, dict]:
    """The role's home template and its context; `page` pages the one home with a long list
    (the organisations' places)."""
    role = permissions.primary_role(actor)
    if role is None:
        return "site/home/none.html", {}
    build = HOMES[role]
    context = build(actor, place, page) if build is organisation_home else build(actor, place)
    return f"site/home/{TEMPLATES.get(role, role)}.html", context
