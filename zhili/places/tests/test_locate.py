"""Placing a reported point (longitude, latitude) in its grid, community, street and city.

The test city (zhili/conftest.py) in squares of 0.01° from (LON, LAT):
  乐平市 [0, 0.04)²; 泊阳街道 [0, 0.02)², 塔山街道 east of it; 翠平社区 [0, 0.01)² with
  翠平一网格 [0, 0.005)²; 东湖社区 north of 翠平社区; 塔山社区 at +0.02 east.
"""

from zhili.conftest import LAT, LON
from zhili.places.models import Place
from zhili.places.selectors import locate_point
from zhili.testing.factories import make_place, square


def _names(location) -> tuple:
    return tuple(
        p.name if p else None
        for p in (location.grid, location.community, location.street, location.city)
    )


def test_a_point_in_a_grid_knows_its_community_street_and_city(city):
    location = locate_point(LON + 0.002, LAT + 0.003)
    assert _names(location) == ("翠平一网格", "翠平社区", "泊阳街道", "乐平市")
    assert location.most_specific == city.g1


def test_a_point_in_the_other_street_lands_there(city):
    location = locate_point(LON + 0.021, LAT + 0.004)
    assert _names(location) == ("塔山一网格", "塔山社区", "塔山街道", "乐平市")


def test_a_point_in_a_community_outside_its_grids_falls_to_the_community(city):
    location = locate_point(LON + 0.008, LAT + 0.008)
    assert _names(location) == (None, "翠平社区", "泊阳街道", "乐平市")
    assert location.most_specific == city.c1


def test_a_point_in_a_street_outside_its_communities_falls_to_the_street(city):
    location = locate_point(LON + 0.015, LAT + 0.005)
    assert _names(location) == (None, None, "泊阳街道", "乐平市")


def test_a_point_in_the_city_outside_every_street_falls_to_the_city(city):
    location = locate_point(LON + 0.01, LAT + 0.03)
    assert _names(location) == (None, None, None, "乐平市")


def test_a_point_outside_every_boundary_gets_a_plain_none(city):
    assert locate_point(116.0, 39.9) is None  # Beijing
    assert locate_point(LON - 0.001, LAT) is None  # just west of the city
    assert locate_point(0, 0) is None


def test_a_point_on_the_border_of_two_communities_lands_in_one(city):
    location = locate_point(LON + 0.002, LAT + 0.01)
    assert location.community in (city.c1, city.c2)
    assert location.street == city.s1


def test_a_grid_is_found_inside_a_concave_community_but_not_in_its_notch(city):
    # An L-shaped grid: its bounding box covers the notch, the boundary does not.
    x, y = LON + 0.011, LAT + 0.011  # inside 泊阳街道 but east of 东湖社区
    l_shape = {
        "type": "Polygon",
        "coordinates": [
            [
                [x, y],
                [x + 0.004, y],
                [x + 0.004, y + 0.002],
                [x + 0.002, y + 0.002],
                [x + 0.002, y + 0.004],
                [x, y + 0.004],
                [x, y],
            ]
        ],
    }
    community = make_place("community", "360281001003", "新区社区", city.s1, l_shape)
    assert locate_point(x + 0.001, y + 0.003).community == community
    notch = locate_point(x + 0.003, y + 0.003)
    assert notch.community is None and notch.street == city.s1


def test_places_without_a_boundary_are_skipped_not_a_crash(city):
    make_place("grid", "360281001001002", "翠平二网格", city.c1, None)
    location = locate_point(LON + 0.008, LAT + 0.008)
    assert location.grid is None and location.community == city.c1


def test_a_new_grid_takes_its_points_from_the_community(city):
    g2 = make_place(
        "grid", "360281001001002", "翠平二网格", city.c1, square(LON + 0.005, LAT + 0.005, 0.005)
    )
    assert locate_point(LON + 0.008, LAT + 0.008).grid == g2


def test_locating_a_point_in_nested_boundaries_costs_one_query(city, django_assert_num_queries):
    # The grid and its ancestors all hold the point in their bounding boxes: one query.
    with django_assert_num_queries(1):
        location = locate_point(LON + 0.002, LAT + 0.003)
    assert location.grid == city.g1
    assert (location.community, location.street, location.city) == (city.c1, city.s1, city.city)


def test_an_ancestor_without_a_boundary_is_fetched_by_code(city, django_assert_num_queries):
    Place.objects.filter(pk=city.s1.pk).update(
        boundary=None, min_lon=None, min_lat=None, max_lon=None, max_lat=None
    )
    with django_assert_num_queries(2):
        location = locate_point(LON + 0.002, LAT + 0.003)
    assert location.street == city.s1


def test_a_point_in_a_compound_names_the_compound_as_well_as_its_grid(city):
    location = locate_point(LON + 0.002, LAT + 0.002)  # inside 翠平花园 (k1), inside grid g1
    assert (location.compound, location.grid, location.community) == (city.k1, city.g1, city.c1)
    assert locate_point(LON + 0.0045, LAT + 0.0045).compound is None  # g1, outside k1
