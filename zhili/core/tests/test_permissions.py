"""Who may do what, where: capabilities by role, limited to the subtree of each grant."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.core import permissions
from zhili.core.errors import Forbidden
from zhili.core.permissions import Cap, Grant, Role, SystemActor
from zhili.people.models import RoleGrant
from zhili.places.models import Place
from zhili.places.selectors import places_for
from zhili.testing.factories import UserFactory, grant


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_a_secretary_manages_people_in_her_community_and_below_only(cast, city):
    secretary = cast.secretary
    assert permissions.can(secretary, Cap.PEOPLE_MANAGE, city.c1.path)
    assert permissions.can(secretary, Cap.PEOPLE_MANAGE, city.g1.path)
    assert permissions.can(secretary, Cap.PEOPLE_MANAGE, city.k1.path)
    assert not permissions.can(secretary, Cap.PEOPLE_MANAGE, city.s1.path)  # above her
    assert not permissions.can(secretary, Cap.PEOPLE_MANAGE, city.c2.path)  # next door
    assert not permissions.can(secretary, Cap.PEOPLE_MANAGE, city.c3.path)  # other street
    assert not permissions.can(secretary, Cap.PLACES_MANAGE, city.g1.path)  # not her role


def test_require_raises_forbidden_with_a_403(cast, city):
    permissions.require(cast.secretary, Cap.PEOPLE_MANAGE, city.g1.path)  # no error
    with pytest.raises(Forbidden) as info:
        permissions.require(cast.secretary, Cap.PEOPLE_MANAGE, city.g3.path)
    assert (info.value.status, info.value.code) == (403, "forbidden")
    assert str(info.value.message)


def test_without_a_place_can_asks_whether_the_capability_is_held_anywhere(cast):
    assert permissions.can(cast.grid_officer, Cap.PEOPLE_PERSONAL)
    assert not permissions.can(cast.dispatcher, Cap.PEOPLE_PERSONAL)
    assert not permissions.can(cast.volunteer, Cap.PLACES_VIEW)


@pytest.mark.parametrize("who", ["outsider", "anonymous", "none"])
def test_someone_with_no_role_may_do_nothing(cast, city, who):
    actor = {"outsider": cast.outsider, "anonymous": AnonymousUser(), "none": None}[who]
    assert not permissions.can(actor, Cap.PLACES_VIEW)
    assert not permissions.can(actor, Cap.PLACES_VIEW, city.g1.path)
    assert permissions.scope_paths(actor, Cap.PLACES_VIEW) == []
    assert not places_for(actor).exists()


def test_a_deactivated_account_loses_its_grants(cast, city):
    cast.secretary.is_active = False
    cast.secretary.save()
    assert not permissions.can(cast.secretary, Cap.PEOPLE_VIEW, city.g1.path)
    assert not places_for(cast.secretary).exists()


def test_a_superuser_without_grants_is_an_administrator_everywhere(city):
    root = UserFactory(username="root", is_superuser=True)
    assert permissions.primary_role(root) == Role.ADMIN
    assert permissions.can(root, Cap.PLACES_MANAGE, city.g3.path)
    assert permissions.scope_paths(root, Cap.PLACES_VIEW) == ["/"]
    assert places_for(root).count() == Place.objects.count() == 10


def test_the_system_actor_may_do_everything_and_is_nobody(city):
    system = SystemActor("system:import-places")
    assert permissions.can(system, Cap.PLACES_MANAGE, "/")
    assert permissions.can(system, Cap.ACCOUNTS_MANAGE, city.k1.path)
    assert system.pk is None
    assert system.get_username() == "system:import-places"
    assert places_for(system).count() == 10


def test_scopes_are_the_subtrees_of_the_grants(cast, city):
    assert _codes(places_for(cast.secretary)) == {city.c1.code, city.g1.code, city.k1.code}
    assert _codes(places_for(cast.other_secretary)) == {city.c3.code, city.g3.code}
    assert _codes(places_for(cast.grid_officer)) == {city.g1.code}
    assert _codes(places_for(cast.coordinator)) == {
        city.s1.code,
        city.c1.code,
        city.c2.code,
        city.g1.code,
        city.g2.code,
        city.k1.code,
    }
    assert places_for(cast.dispatcher).count() == 10


def test_only_the_outermost_of_nested_grants_is_kept(cast, city):
    # The secretary of 翠平社区 also coordinates 泊阳街道, which contains her community.
    grant(cast.secretary, Role.STREET_COORDINATOR, city.s1)
    permissions.forget_grants(cast.secretary)
    assert permissions.scope_paths(cast.secretary, Cap.PLACES_VIEW) == [city.s1.path]
    # Only her community role manages people, so that scope stays the community.
    assert permissions.scope_paths(cast.secretary, Cap.PEOPLE_MANAGE) == [city.c1.path]
    assert permissions.primary_role(cast.secretary) == Role.STREET_COORDINATOR


def test_two_separate_grants_give_two_scopes(cast, city):
    grant(cast.secretary, Role.COMMUNITY_SECRETARY, city.c3)
    permissions.forget_grants(cast.secretary)
    assert permissions.scope_paths(cast.secretary, Cap.PEOPLE_MANAGE) == [
        city.c1.path,
        city.c3.path,
    ]
    assert _codes(places_for(cast.secretary)) == {
        city.c1.code,
        city.g1.code,
        city.k1.code,
        city.c3.code,
        city.g3.code,
    }


def test_grants_are_read_once_per_actor_object(cast, city, django_assert_num_queries):
    actor = type(cast.secretary).objects.get(pk=cast.secretary.pk)
    with django_assert_num_queries(1):
        for place in (city.c1, city.g1, city.c3, city.s1, city.k1):
            permissions.can(actor, Cap.PEOPLE_VIEW, place.path)


def test_a_revoked_grant_stops_counting_once_forgotten(cast, city):
    assert permissions.can(cast.secretary, Cap.PEOPLE_VIEW, city.g1.path)
    RoleGrant.objects.filter(user=cast.secretary).delete()
    permissions.forget_grants(cast.secretary)
    assert not permissions.can(cast.secretary, Cap.PEOPLE_VIEW, city.g1.path)


def test_a_handler_handles_for_his_department(cast, department):
    assert permissions.department_ids(cast.handler) == {department.pk}
    assert permissions.department_ids(cast.secretary) == set()


def test_the_home_page_role_is_the_one_with_most_responsibility(cast, city):
    grant(cast.volunteer, Role.GRID_OFFICER, city.g1)
    permissions.forget_grants(cast.volunteer)
    assert permissions.primary_role(cast.volunteer) == Role.GRID_OFFICER
    assert permissions.primary_role(cast.outsider) is None


# --- Property: a scope never reaches outside the subtrees of the actor's grants --------------

_ROLES = st.sampled_from(list(Role))
_PLACE_NAMES = st.sampled_from(["city", "s1", "s2", "c1", "c2", "c3", "g1", "g2", "g3", "k1"])


def _under(place: Place, top: Place) -> bool:
    """Walk up the parent links (not the path) to decide whether place lies under top."""
    while place is not None:
        if place.pk == top.pk:
            return True
        place = place.parent
    return False


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(_ROLES, _PLACE_NAMES), max_size=4))
def test_a_scope_never_returns_a_place_outside_the_actors_subtrees(city, drawn):
    places = {p.pk: p for p in Place.objects.select_related("parent__parent__parent")}
    held = [
        getattr(city, name)
        for role, name in drawn
        if Cap.PLACES_VIEW in permissions.ROLE_CAPS[role]
    ]
    actor = SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        is_superuser=False,
        _zhili_grants=[
            Grant(role, getattr(city, name).path, getattr(city, name).pk, None)
            for role, name in drawn
        ],
    )
    expected = {pk for pk, p in places.items() if any(_under(p, top) for top in held)}
    assert set(places_for(actor).values_list("pk", flat=True)) == expected
