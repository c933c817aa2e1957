"""The departments serving a place: the one rule that dispatching, joint actions, their
forms and the bulletin share (orgs.selectors.departments_serving)."""

import pytest

from zhili.orgs.selectors import departments_serving, serving_ids
from zhili.testing.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(city, department, street_office, community_office):
    """城管 serves the city, 塔山综治 street s2, 翠平物业 community c1; besides them a grid's
    own office in g1, a street office of s1, and a city office that was closed."""
    return {
        "cg": department,
        "tszx": street_office,
        "cpwy": community_office,
        "g1": DepartmentFactory(code="g1", jurisdiction=city.g1),
        "s1": DepartmentFactory(code="s1", jurisdiction=city.s1),
        "gone": DepartmentFactory(code="gone", jurisdiction=city.city, is_active=False),
    }


def codes(departments) -> set[str]:
    return {d.code for d in departments}


def test_a_place_is_served_by_the_active_departments_whose_jurisdiction_holds_it(city, offices):
    # g1 lies in c1, in s1, in the city: the offices of those four places, not the closed one.
    assert codes(departments_serving(city.g1.path)) == {"cg", "s1", "cpwy", "g1"}
    assert codes(departments_serving(city.k1.path)) == {"cg", "s1", "cpwy"}  # compound in c1
    assert codes(departments_serving(city.c2.path)) == {"cg", "s1"}
    assert codes(departments_serving(city.g3.path)) == {"cg", "tszx"}
    assert codes(departments_serving(city.city.path)) == {"cg"}


def test_several_places_part_of_a_place_and_the_whole_tree(city, offices):
    assert codes(departments_serving([city.c2.path, city.c3.path])) == {"cg", "s1", "tszx"}
    assert codes(departments_serving([])) == set()
    # Serving part of s1 counts too when asked: c1's and g1's offices; s2's does not.
    assert codes(departments_serving(city.s1.path, or_within=True)) == {"cg", "s1", "cpwy", "g1"}
    assert codes(departments_serving(None)) == {"cg", "tszx", "cpwy", "g1", "s1"}


def test_serving_ids_picks_those_of_the_named_departments_that_serve(city, offices):
    named = [offices["cg"], offices["cpwy"], offices["tszx"], offices["gone"]]
    assert serving_ids(city.g1.path, named) == {offices["cg"].pk, offices["cpwy"].pk}
    assert serving_ids(city.c2.path, named) == {offices["cg"].pk}
