"""Who may do what, where: the one module that every view, API call, export and service asks.

A user holds role grants; each grant is a role over a place subtree (and, for a department
handler, a department). A capability is allowed at a place when some grant carries it and
the place lies within that grant's subtree. Lists are narrowed with `scope_filter`, single
objects are fetched through the apps' `access_*` helpers, which answer "not found" for what
lies outside the actor's area, exactly as for what does not exist.

This module imports no models: it reads `actor.role_grants` (people.RoleGrant) and place
paths, so every app above core can use it.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.core.errors import Forbidden


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DISPATCHER = "dispatcher", _("Governance-centre dispatcher")
    STREET_COORDINATOR = "street_coordinator", _("Street coordinator")
    COMMUNITY_SECRETARY = "community_secretary", _("Community party secretary")
    GRID_OFFICER = "grid_officer", _("Grid officer")
    HANDLER = "handler", _("Department handler")
    INDUSTRY_BRANCH = "industry_branch", _("Industry party branch")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    VOLUNTEER = "volunteer", _("Help-group member")
    COURIER = "courier", _("Courier")
    RESIDENT = "resident", _("Resident")
    # The account an Open311 key files as (zhili.open311): it only reports, city-wide.
    API_CLIENT = "api_client", _("Open311 client program")


class Cap(models.TextChoices):
    """Capabilities. A role is a set of these (ROLE_CAPS); code asks for capabilities only."""

    PLACES_VIEW = "places.view", _("See places")
    PLACES_MANAGE = "places.manage", _("Manage places")
    PEOPLE_VIEW = "people.view", _("See the person registry")
    PEOPLE_MANAGE = "people.manage", _("Register and edit people")
    PEOPLE_PERSONAL = "people.personal", _("See phone and ID numbers in full")
    PEOPLE_EXPORT = "people.export", _("Export the person registry")
    DEPARTMENTS_VIEW = "departments.view", _("See departments")
    DEPARTMENTS_MANAGE = "departments.manage", _("Manage departments")
    ACCOUNTS_MANAGE = "accounts.manage", _("Manage accounts and roles")
    AUDIT_VIEW = "audit.view", _("See the audit trail")
    CASES_REPORT = "cases.report", _("Report a problem")
    CASES_VIEW = "cases.view", _("See the cases of an area")
    CASES_DISPATCH = "cases.dispatch", _("Accept, dispatch and close cases")
    CASES_HANDLE = "cases.handle", _("Take and handle a department's cases")
    CASES_VERIFY = "cases.verify", _("Verify results on the spot")
    CASES_COORDINATE = "cases.coordinate", _("Coordinate cases across departments")
    CASES_CONFIGURE = "cases.configure", _("Configure case categories and time limits")
    INTEGRATIONS_MANAGE = "integrations.manage", _("Manage Open311 keys and webhooks")


C = Cap
_STAFF_VIEW = {C.PLACES_VIEW, C.DEPARTMENTS_VIEW}
_REPORT = {C.CASES_REPORT}

ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Cap.values),
    Role.DISPATCHER: frozenset(
        _STAFF_VIEW | _REPORT | {C.PEOPLE_VIEW, C.CASES_VIEW, C.CASES_DISPATCH, C.CASES_VERIFY}
    ),
    Role.STREET_COORDINATOR: frozenset(
        _STAFF_VIEW
        | _REPORT
        | {C.PEOPLE_VIEW, C.PEOPLE_EXPORT, C.AUDIT_VIEW, C.CASES_VIEW, C.CASES_COORDINATE}
    ),
    Role.COMMUNITY_SECRETARY: frozenset(
        _STAFF_VIEW
        | _REPORT
        | {
            C.PEOPLE_VIEW,
            C.PEOPLE_MANAGE,
            C.PEOPLE_PERSONAL,
            C.PEOPLE_EXPORT,
            C.AUDIT_VIEW,
            C.CASES_VIEW,
        }
    ),
    Role.GRID_OFFICER: frozenset(
        _STAFF_VIEW
        | _REPORT
        | {C.PEOPLE_VIEW, C.PEOPLE_MANAGE, C.PEOPLE_PERSONAL, C.CASES_VIEW, C.CASES_VERIFY}
    ),
    Role.HANDLER: frozenset(_STAFF_VIEW | {C.CASES_HANDLE}),
    Role.INDUSTRY_BRANCH: frozenset(_STAFF_VIEW | _REPORT),
    Role.PROPERTY_COMPANY: frozenset({C.PLACES_VIEW} | _REPORT),
    Role.OWNERS_COMMITTEE: frozenset({C.PLACES_VIEW} | _REPORT),
    Role.VOLUNTEER: frozenset(_REPORT),
    Role.COURIER: frozenset(_REPORT),
    Role.RESIDENT: frozenset(_REPORT),
    Role.API_CLIENT: frozenset(_REPORT),
}

# Which roles a grant may be scoped to which place kinds (checked when a role is granted).
ROLE_PLACE_KINDS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: ("city",),
    Role.DISPATCHER: ("city", "street"),
    Role.STREET_COORDINATOR: ("street",),
    Role.COMMUNITY_SECRETARY: ("community",),
    Role.GRID_OFFICER: ("grid",),
    Role.HANDLER: ("city", "street"),
    Role.INDUSTRY_BRANCH: ("city", "street"),
    Role.PROPERTY_COMPANY: ("community", "compound"),
    Role.OWNERS_COMMITTEE: ("compound",),
    Role.VOLUNTEER: ("community", "compound", "grid"),
    Role.COURIER: ("city", "street", "community"),
    Role.RESIDENT: ("community", "compound", "grid"),
    Role.API_CLIENT: ("city",),
}
ROLES_NEEDING_DEPARTMENT = {Role.HANDLER}


class SystemActor:
    """The actor for command-line and scheduled work: an operator with shell access.

    Never used by views or the API. Services accept it where they accept a user; audit
    records it with no user and the label given here.
    """

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None

    def __init__(self, label: str = "system"):
        self.label = label

    def get_username(self) -> str:
        return self.label


@dataclass(frozen=True)
class Grant:
    role: str
    place_path: str
    place_id: int
    department_id: int | None


def grants(actor) -> list[Grant]:
    """The actor's role grants, read once per actor object (so once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    if isinstance(actor, SystemActor):
        return [Grant(Role.ADMIN, "/", 0, None)]
    if getattr(actor, "_zhili_grants", None) is None:
        # Values, not models: a grant's place would bring its boundary (GeoJSON) along, and
        # this runs on every request.
        remember_grants(actor, actor.role_grants.values_list(*GRANT_FIELDS))
    return actor._zhili_grants


# What grants() reads of each role grant.
GRANT_FIELDS = ("role", "place__path", "place_id", "department_id")


def read_grants(actors) -> None:
    """Read the grants of many accounts in one query (the intake's batch filer, whose
    receipts come from many reporters); grants() then asks nothing more of them."""
    todo = {a.pk: a for a in actors if getattr(a, "_zhili_grants", None) is None}
    if not todo:
        return
    rows = {pk: [] for pk in todo}
    model = next(iter(todo.values())).role_grants.model
    for user_id, *row in model.objects.filter(user_id__in=todo).values_list(
        "user_id", *GRANT_FIELDS
    ):
        rows[user_id].append(row)
    for pk, actor in todo.items():
        remember_grants(actor, rows[pk])


def remember_grants(actor, rows) -> None:
    """Hand the actor its grants read elsewhere, as (role, place path, place id, department
    id) rows (the API's token check reads them with the account, in one query)."""
    actor._zhili_grants = [Grant(*row) for row in rows]
    if actor.is_superuser and not any(g.role == Role.ADMIN for g in actor._zhili_grants):
        actor._zhili_grants.append(Grant(Role.ADMIN, "/", 0, None))


def forget_grants(actor) -> None:
    """Drop the cached grants after they change (services that grant or revoke call this)."""
    if actor is not None and hasattr(actor, "_zhili_grants"):
        del actor._zhili_grants


def roles(actor) -> set[str]:
    return {g.role for g in grants(actor)}


def _grants_with(actor, cap: str) -> list[Grant]:
    return [g for g in grants(actor) if cap in ROLE_CAPS.get(g.role, ())]


def can(actor, cap: str, place_path: str | None = None) -> bool:
    """May the actor use `cap` at the place with this path (or anywhere, if None)?"""
    relevant = _grants_with(actor, cap)
    if place_path is None:
        return bool(relevant)
    return any(place_path.startswith(g.place_path) for g in relevant)


def require(actor, cap: str, place_path: str | None = None) -> None:
    """Raise Forbidden unless `can(actor, cap, place_path)`."""
    if not can(actor, cap, place_path):
        raise Forbidden()


def scope_q(actor, cap: str, path_field: str) -> Q:
    """A filter for rows whose place path (via `path_field`) lies within the actor's scope.

    Matches nothing when the actor lacks the capability anywhere.
    """
    outer = scope_paths(actor, cap)
    if not outer:
        return Q(pk__in=[])
    if "/" in outer:
        return Q()
    q = Q()
    for prefix in outer:
        q |= Q(**{f"{path_field}__startswith": prefix})
    return q


def scope_filter(queryset, actor, cap: str, path_field: str):
    return queryset.filter(scope_q(actor, cap, path_field))


def scope_paths(actor, cap: str) -> list[str]:
    """The outermost place paths where the actor holds `cap`.

    A grant over "/a/" already covers "/a/b/", so only the outermost prefixes are kept.
    """
    prefixes = sorted({g.place_path for g in _grants_with(actor, cap)})
    return [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]


def department_ids(actor) -> set[int]:
    """Departments the actor handles for (department handlers)."""
    return {g.department_id for g in grants(actor) if g.department_id is not None}


# The role whose home page an actor with several grants sees first: most responsibility first.
HOME_ORDER = [
    Role.ADMIN,
    Role.DISPATCHER,
    Role.STREET_COORDINATOR,
    Role.COMMUNITY_SECRETARY,
    Role.HANDLER,
    Role.GRID_OFFICER,
    Role.INDUSTRY_BRANCH,
    Role.PROPERTY_COMPANY,
    Role.OWNERS_COMMITTEE,
    Role.VOLUNTEER,
    Role.COURIER,
    Role.RESIDENT,
    Role.API_CLIENT,
]


def primary_role(actor) -> str | None:
    held = roles(actor)
    return next((r for r in HOME_ORDER if r in held), None)


def capability_table() -> str:
    """ROLE_CAPS as a Markdown table (docs/permissions.md is this, checked by a test)."""
    caps = list(Cap)
    lines = [
        "| role | " + " | ".join(f"`{c.value}`" for c in caps) + " | scoped to |",
        "| --- |" + " --- |" * (len(caps) + 1),
    ]
    for role in Role:
        marks = " | ".join("✓" if c.value in ROLE_CAPS[role] else "" for c in caps)
        lines.append(f"| `{role.value}` | {marks} | {', '.join(ROLE_PLACE_KINDS[role])} |")
    return "\n".join(lines)
