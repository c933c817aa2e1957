"""Building the demo city (演示城市) of Leping: the map, the five departments with the case
categories they lead, about 2,000 residents and one account per role, written from
`plan.plan_city(seed)` with one bulk insert per table, so that a build takes a second or two.
"""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zhili.audit.models import AuditRecord
from zhili.audit.services import record_audit
from zhili.cases.models import Case, CaseEvent, CaseFollower, Category, JointAction, Receipt
from zhili.core.crypto import digest_or_blank
from zhili.core.permissions import SystemActor
from zhili.demo import data
from zhili.demo.cases import build_cases
from zhili.demo.geography import PlacePlan
from zhili.demo.intake import build_receipts
from zhili.demo.joint_actions import build_joint_actions
from zhili.demo.models import DemoBuild
from zhili.demo.plan import DEFAULT_SEED, DEMO_USERNAMES, PEOPLE_COUNT, plan_city
from zhili.notifications.sweep import sweep
from zhili.open311 import demo as open311_demo
from zhili.orgs.models import Department
from zhili.people.models import Person, RoleGrant, User
from zhili.places.models import Place, PlaceKind
from zhili.webhooks import demo as webhooks_demo

DEMO_PASSWORD = "Zhili@2026"


def _insert_places(plans: list[PlacePlan]) -> dict[str, Place]:
    """One bulk insert per level of the tree: a child needs its parent's id and path."""
    saved: dict[str, Place] = {}
    for kinds in (
        [PlaceKind.CITY],
        [PlaceKind.STREET],
        [PlaceKind.COMMUNITY],
        [PlaceKind.GRID, PlaceKind.COMPOUND],
    ):
        level = []
        for plan in plans:
            if plan.kind in kinds:
                place = Place(
                    kind=plan.kind,
                    code=plan.code,
                    name=plan.name,
                    parent=saved.get(plan.parent_code),
                    boundary=plan.boundary,
                )
                place.set_tree_fields()
                place.set_bbox()
                level.append(place)
        saved.update((p.code, p) for p in Place.objects.bulk_create(level))
    return saved


def registry_counts() -> dict[str, int]:
    """How many places, departments, people and accounts the database holds."""
    return {
        "places": Place.objects.count(),
        "departments": Department.objects.count(),
        "people": Person.objects.count(),
        "accounts": User.objects.count(),
    }


def current_build() -> DemoBuild | None:
    return DemoBuild.objects.order_by("-built_at").first()


@transaction.atomic
def build_demo_city(
    *,
    seed: int = DEFAULT_SEED,
    actor=None,
    people: int = PEOPLE_COUNT,
    now: dt.datetime | None = None,
) -> DemoBuild:
    """Write the demo city for `seed` and leave a DemoBuild marker; returns the marker.

    With the city come its cases of the twelve months before `now` (default: the moment of
    the build; see zhili.demo.cases), and the overdue sweep's escalations and notices at
    `now`: the same seed and `now` give the same cases.

    For an operator at the shell (the `zhili demo` command): it expects a database without
    places, departments, people or accounts (see `delete_registry`), and raises
    IntegrityError when a code or username is taken. Writes one audit row, "demo.build".
    """
    actor = actor or SystemActor("system:demo")
    plan = plan_city(seed, people)
    places = _insert_places(plan.places)
    city = places[data.CITY[0]]
    departments = {
        d.code: d
        for d in Department.objects.bulk_create(
            [
                Department(
                    code=code,
                    name=name,
                    short_name=short,
                    jurisdiction=city,
                    duty_phone=phone,
                    description=remit,
                )
                for code, name, short, phone, remit in data.DEPARTMENTS
            ]
        )
    }
    Category.objects.bulk_create(
        [
            Category(code=code, name=name, default_lead=departments[lead], attributes=questions)
            for code, name, lead, questions in data.CATEGORIES
        ]
    )
    rows = []
    for p in plan.people:
        person = Person(
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            phone=p.phone,
            id_number=p.id_number,
            political_status=p.political_status,
            party_member_status=p.party_member_status,
            education=p.education,
            origin=p.origin,
            address_place=places[p.place_code],
            address_detail=p.address_detail,
        )
        person.refresh_digests()
        rows.append(person)
    persons = Person.objects.bulk_create(rows, batch_size=500)
    # One hash for every account: they share the demo password, and hashing is slow on purpose.
    password = make_password(DEMO_PASSWORD)
    users = User.objects.bulk_create(
        [
            User(
                username=a.username,
                password=password,
                full_name=a.full_name,
                phone=a.phone,
                phone_digest=digest_or_blank(a.phone),
                is_staff=a.is_admin,
                is_superuser=a.is_admin,
                person=persons[a.person_index] if a.person_index is not None else None,
            )
            for a in plan.accounts
        ]
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(
                user=user,
                role=a.role,
                place=places[a.place_code],
                department=departments.get(a.department_code),
            )
            for user, a in zip(users, plan.accounts, strict=True)
        ]
    )
    now = now or timezone.now()
    case_count = build_cases(
        seed=seed,
        now=now,
        departments=departments,
        users={u.username: u for u in users},
    )
    joint_actions = build_joint_actions(seed=seed, now=now)
    build_receipts(seed=seed, now=now)
    open311_demo.build_demo(now=now)
    # The overdue sweep a worker runs every 5 minutes, once at `now`: the overdue steps are
    # reported to the centre and the street, and the near deadlines to the departments, as
    # in a city whose sweep has been running. Before the webhook endpoint is written, whose
    # deliveries are a sample of the last events and queue no jobs.
    swept = sweep(now=now)
    webhooks_demo.build_demo(now=now)
    by_kind = dict(Place.objects.values_list("kind").annotate(n=Count("id")))
    counts = {
        "streets": by_kind.get(PlaceKind.STREET, 0),
        "communities": by_kind.get(PlaceKind.COMMUNITY, 0),
        "grids": by_kind.get(PlaceKind.GRID, 0),
        "compounds": by_kind.get(PlaceKind.COMPOUND, 0),
        "departments": len(departments),
        "people": len(persons),
        "accounts": len(users),
        "cases": case_count,
        "joint_actions": joint_actions,
        "escalations": swept.overdue + swept.escalated,
    }
    marker = DemoBuild.objects.create(seed=seed, counts=counts)
    record_audit(
        actor=actor,
        action="demo.build",
        obj=city,
        place_path=city.path,
        changes={k: [None, v] for k, v in {"seed": seed, **counts}.items()},
    )
    return marker


@transaction.atomic
def delete_registry() -> dict[str, int]:
    """Delete every case, place, department, person and account, and the demo marker.

    For `zhili demo --reset` only. The audit trail is append-only and names its actors, so
    an account that appears in it is kept but deactivated and renamed, freeing its username
    and phone number; the trail's rows stay. Raises ProtectedError when rows of other apps
    still point at a place, person or account. Returns how many rows went, and how many
    accounts were kept ("retired").
    """
    DemoBuild.objects.all().delete()
    # What the integrations and the street wrote about the cases goes first, then the cases:
    # they point at places, categories, departments and accounts.
    webhooks_demo.delete_demo()
    open311_demo.delete_demo()
    Receipt.objects.all().delete()
    JointAction.objects.all().delete()
    CaseEvent.objects.all().delete()
    CaseFollower.objects.all().delete()
    Case.objects.update(merged_into=None, possible_duplicate_of=None)
    cases = _delete(Case.objects.all())
    RoleGrant.objects.all().delete()
    acted = User.objects.filter(
        pk__in=AuditRecord.objects.filter(actor__isnull=False).values("actor")
    )
    retired = 0
    for user in acted.filter(is_active=True):
        user.username = f"retired-{user.pk}-{user.username}"[:150]
        user.is_active = False
        user.phone = user.phone_digest = ""
        user.person = None
        user.set_unusable_password()
        user.save()
        retired += 1
    counts = {
        "accounts": _delete(User.objects.exclude(pk__in=acted.values("pk"))),
        "people": _delete(Person.objects.all()),
        # Categories name their lead departments; a category with cases protects itself.
        "categories": _delete(Category.objects.all()),
        "departments": _delete(Department.objects.all()),
        "places": 0,
        "retired": retired,
        "cases": cases,
    }
    # Children first: a place protects its parent.
    for depth in sorted(set(Place.objects.values_list("depth", flat=True)), reverse=True):
        counts["places"] += _delete(Place.objects.filter(depth=depth))
    return counts


def _delete(queryset) -> int:
    """Delete and count the rows of the queryset's own model (not what cascaded)."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def demo_accounts() -> list[RoleGrant]:
    """The demo accounts' role grants, in the order of DEMO_USERNAMES."""
    grants = RoleGrant.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
        "user", "place", "department"
    )
    order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
    return sorted(grants, key=lambda g: (order[g.user.username], g.role))
