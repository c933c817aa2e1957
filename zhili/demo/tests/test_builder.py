"""The demo city written to the database: deterministic, locatable, and one login per role."""

from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password

from zhili.audit.models import AuditRecord
from zhili.core.permissions import ROLE_PLACE_KINDS, Role
from zhili.core.personal import validate_id_number
from zhili.demo.builder import DEMO_PASSWORD, build_demo_city, delete_registry
from zhili.demo.plan import COURIER_COUNT, DEMO_USERNAMES
from zhili.orgs.models import Department
from zhili.people.models import Person, RoleGrant, User
from zhili.places import geo
from zhili.places.models import Place, PlaceKind
from zhili.places.selectors import locate_point
from zhili.site.homes import TEMPLATES


@pytest.fixture
def demo(db):
    return build_demo_city(seed=2026)


def _places():
    return [
        (
            p.kind,
            p.code,
            p.name,
            p.parent.code if p.parent else None,
            p.path,
            p.boundary,
            p.min_lon,
            p.max_lat,
        )
        for p in Place.objects.select_related("parent").order_by("code")
    ]


def _people():
    return [
        (p.name, p.id_number, p.phone, p.birth_date, p.address_place.code, p.address_detail)
        for p in Person.objects.select_related("address_place").order_by("pk")
    ]


def test_the_same_seed_builds_the_same_city_and_another_seed_other_people(db):
    build_demo_city(seed=2026)
    places, people = _places(), _people()
    delete_registry()
    build_demo_city(seed=2026)
    assert _places() == places
    assert _people() == people
    delete_registry()
    build_demo_city(seed=2027)
    assert _places() == places
    other = _people()
    assert len(other) == len(people)
    assert [p[0] for p in other] != [p[0] for p in people]
    assert [p[1] for p in other] != [p[1] for p in people]


def test_build_writes_the_counts_the_marker_and_one_audit_row(demo):
    kinds = Counter(Place.objects.values_list("kind", flat=True))
    assert kinds[PlaceKind.COMMUNITY] == 19
    assert Place.objects.get(code="360281001").name == "泊阳街道"
    assert Person.objects.count() == 2000
    assert sorted(Department.objects.values_list("short_name", flat=True)) == sorted(
        ["住建", "公安", "民政", "城管", "生态环境"]
    )
    assert demo.seed == 2026 and demo.counts["communities"] == 19
    record = AuditRecord.objects.get(action="demo.build")
    assert record.actor is None and record.object_repr == "乐平市"
    assert record.changes["people"] == [None, 2000]


def test_stored_records_are_valid_and_searchable_by_digest(demo):
    people = list(Person.objects.all())
    assert all(validate_id_number(p.id_number) == p.id_number for p in people)
    one = people[123]
    one.refresh_digests()
    assert Person.objects.filter(id_digest=one.id_digest).get() == one
    assert Person.objects.filter(phone_digest=one.phone_digest).get() == one


def test_every_grid_centre_is_located_in_that_grid_and_its_community(demo):
    grids = Place.objects.filter(kind=PlaceKind.GRID).select_related("parent")
    assert grids.count() >= 19 * 3
    for grid in grids:
        found = locate_point(*geo.centroid(grid.boundary))
        assert (found.grid, found.community) == (grid, grid.parent)
        assert found.street == grid.parent.parent


def test_demo_password_passes_the_validators():
    validate_password(DEMO_PASSWORD)


def test_each_role_has_one_account_and_each_department_one_handler(demo):
    grants = RoleGrant.objects.select_related("place", "department", "user")
    per_role = Counter(g.role for g in grants)
    expected = {Role.HANDLER: 5, Role.COURIER: COURIER_COUNT}
    assert per_role == {role: expected.get(role, 1) for role in Role.values}
    assert {g.department.code for g in grants if g.role == Role.HANDLER} == {
        "zj",
        "ga",
        "mz",
        "cg",
        "sthj",
    }
    for grant in grants:
        assert grant.place.kind in ROLE_PLACE_KINDS[grant.role], grant
    assert User.objects.filter(is_superuser=True, is_staff=True).get().username == "admin"
    assert len({u.phone_digest for u in User.objects.all()}) == User.objects.count()


def test_member_accounts_belong_to_people_who_live_in_their_scope(demo):
    for username in ("secretary", "gridofficer", "volunteer", "resident"):
        user = User.objects.select_related("person__address_place").get(username=username)
        grant = user.role_grants.get()
        assert user.person.address_place.is_within(grant.place), username
        assert user.full_name == user.person.name and user.phone == user.person.phone
    assert User.objects.get(username="courier").person is not None
    assert Place.objects.get(role_grants__user__username="secretary").name == "翠平社区"
    assert Place.objects.get(role_grants__user__username="coordinator").name == "泊阳街道"


def test_every_demo_account_signs_in_and_lands_on_its_home_page(demo, client):
    logins = [*DEMO_USERNAMES, "courier002", f"courier{COURIER_COUNT:03d}"]
    for grant in RoleGrant.objects.select_related("user").filter(user__username__in=logins):
        assert client.login(username=grant.user.username, password=DEMO_PASSWORD)
        response = client.get("/")
        assert response.status_code == 200, grant.user.username
        template = f"site/home/{TEMPLATES.get(grant.role, grant.role)}.html"
        assert template in [t.name for t in response.templates]
        client.logout()


def test_the_demo_city_has_case_categories_led_by_its_departments(demo):
    from zhili.cases.models import Category

    leads = dict(Category.objects.values_list("name", "default_lead__short_name"))
    assert leads["乱停乱放"] == "城管" and leads["高空抛物"] == "公安"
    assert leads["环境污染"] == "生态环境" and leads["邻里纠纷"] == "民政"
    assert len(leads) == 11
    [question] = Category.objects.get(name="交通事故").attributes
    assert question["required"] and [v["name"] for v in question["values"]] == ["有", "无"]
