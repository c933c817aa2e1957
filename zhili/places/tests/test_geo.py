"""GeoJSON boundaries: which are accepted, and whether a point lies inside one."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhili.places.geo import GeometryError, bbox, centroid, contains, validate_geometry
from zhili.testing.factories import square


def _polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def _ring(*corners):
    return [list(c) for c in corners] + [list(corners[0])]


# An L-shaped block: the square (0,0)-(2,2) without its north-east quarter.
L_SHAPE = _polygon(_ring((0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)))
# A square (0,0)-(4,4) with a square hole (1,1)-(3,3), like a compound around a lake.
WITH_HOLE = _polygon(_ring((0, 0), (4, 0), (4, 4), (0, 4)), _ring((1, 1), (3, 1), (3, 3), (1, 3)))
TWO_PARTS = {
    "type": "MultiPolygon",
    "coordinates": [
        square(117.0, 28.0, 0.01)["coordinates"],
        square(117.5, 28.5, 0.01)["coordinates"],
    ],
}


@pytest.mark.parametrize("geometry", [square(117.1, 28.95, 0.01), L_SHAPE, WITH_HOLE, TWO_PARTS])
def test_a_good_boundary_is_accepted_as_it_is(geometry):
    assert validate_geometry(geometry) is geometry


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        "POLYGON((0 0, 1 0, 1 1, 0 0))",
        {"type": "Point", "coordinates": [117.1, 28.9]},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        {"type": "Polygon"},
        {"type": "Polygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": [[]]},
        _polygon([[0, 0], [1, 0], [0, 0]]),  # a ring of three positions
        _polygon([[0, 0], [1, 0], [1, 1], [0, 1]]),  # not closed
        _polygon(_ring((0, 0), (1, 0), ("1", "1"))),  # numbers as strings
        _polygon(_ring((0, 0), (1, 0), (True, 1))),  # a boolean is not a number
        _polygon(_ring((0, 0), (200, 0), (200, 1))),  # longitude beyond 180
        _polygon(_ring((0, 0), (1, -91), (1, 1))),  # latitude beyond 90
        _polygon(_ring((0, 0), (1,), (1, 1))),  # a position with one number
        _polygon([0, 0, 1, 1]),  # one nesting level short
    ],
)
def test_a_bad_boundary_is_refused_with_a_message(geometry):
    with pytest.raises(GeometryError) as info:
        validate_geometry(geometry)
    assert str(info.value)


def test_a_message_names_the_ring_at_fault():
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 1)["coordinates"], [[[0, 0], [1, 0], [1, 1], [0, 1]]]],
    }
    with pytest.raises(GeometryError) as info:
        validate_geometry(geometry)
    assert "2" in str(info.value)  # polygon 2, ring 1: the unclosed one


def test_a_point_in_the_notch_of_an_l_is_outside_though_inside_its_box():
    assert contains(L_SHAPE, 0.5, 1.5)
    assert contains(L_SHAPE, 1.5, 0.5)
    assert not contains(L_SHAPE, 1.5, 1.5)
    assert bbox(L_SHAPE) == (0, 0, 2, 2)


def test_a_point_in_a_hole_is_outside():
    assert contains(WITH_HOLE, 0.5, 0.5)
    assert not contains(WITH_HOLE, 2, 2)
    assert bbox(WITH_HOLE) == (0, 0, 4, 4)


def test_a_point_in_either_part_of_a_multipolygon_is_inside():
    assert contains(TWO_PARTS, 117.005, 28.005)
    assert contains(TWO_PARTS, 117.505, 28.505)
    assert not contains(TWO_PARTS, 117.25, 28.25)
    assert bbox(TWO_PARTS) == (117.0, 28.0, 117.51, 28.51)


def test_a_point_on_the_border_of_two_neighbours_lies_in_exactly_one():
    west, east = square(0, 0, 1), square(1, 0, 1)
    for lat in (0.0, 0.25, 0.5, 0.999):
        assert contains(west, 1, lat) + contains(east, 1, lat) == 1


def test_the_centroid_of_a_square_is_its_middle():
    assert centroid(square(0, 0, 2)) == (1, 1)


# --- Property: any point strictly inside an axis-aligned rectangle is inside it -------------

_fractions = st.floats(0.001, 0.999)


def _rect(lon, lat, width, height) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon, lat],
                [lon + width, lat],
                [lon + width, lat + height],
                [lon, lat + height],
                [lon, lat],
            ]
        ],
    }


@given(
    lon=st.floats(-179, 170),
    lat=st.floats(-89, 80),
    width=st.floats(1e-4, 5),
    height=st.floats(1e-4, 5),
    fx=_fractions,
    fy=_fractions,
)
def test_a_point_inside_a_rectangle_is_found_inside(lon, lat, width, height, fx, fy):
    assert contains(_rect(lon, lat, width, height), lon + fx * width, lat + fy * height)


@given(
    lon=st.floats(-170, 170),
    lat=st.floats(-80, 80),
    width=st.floats(1e-3, 5),
    height=st.floats(1e-3, 5),
    side=st.sampled_from("NSEW"),
    margin=st.floats(1e-3, 3),
    along=_fractions,
)
def test_a_point_beyond_a_rectangle_is_found_outside(lon, lat, width, height, side, margin, along):
    point = {
        "W": (lon - margin, lat + along * height),
        "E": (lon + width + margin, lat + along * height),
        "S": (lon + along * width, lat - margin),
        "N": (lon + along * width, lat + height + margin),
    }[side]
    assert not contains(_rect(lon, lat, width, height), *point)
