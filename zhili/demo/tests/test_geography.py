"""The demo city's map: codes in the DB11/T 2157 shape, boundaries that nest and tile."""

import itertools
import re

import pytest

from zhili.demo.geography import plan_places
from zhili.places import geo
from zhili.places.models import CODE_LENGTH, PlaceKind


@pytest.fixture(scope="module")
def places():
    return plan_places()


def _of_kind(places, kind):
    return [p for p in places if p.kind == kind]


def _children(places, parent, kind):
    return [p for p in places if p.parent_code == parent.code and p.kind == kind]


def _box(place):
    return geo.bbox(place.boundary)


def _area(box):
    return (box[2] - box[0]) * (box[3] - box[1])


def _overlap(a, b):
    """Area shared by two boxes (0 when they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def _vertices(place):
    return place.boundary["coordinates"][0][:-1]


def test_the_tree_has_leping_its_streets_and_19_communities(places):
    names = {p.code: p.name for p in places}
    assert names["360281"] == "乐平市"
    assert names["360281001"] == "泊阳街道"
    assert names["360281002"] == "塔山街道"
    communities = _of_kind(places, PlaceKind.COMMUNITY)
    assert len(communities) == 19
    assert len({c.name for c in communities}) == 19
    assert {c.parent_code for c in communities} == {"360281001", "360281002"}
    assert len(_of_kind(places, PlaceKind.STREET)) == 4  # two streets, two towns
    assert len({p.code for p in places}) == len(places)


def test_codes_have_the_db11_shape_and_number_grids_from_001_compounds_from_501(places):
    for place in places:
        assert re.fullmatch(rf"\d{{{CODE_LENGTH[place.kind]}}}", place.code), place
        if place.parent_code:
            assert place.code.startswith(place.parent_code)
    for community in _of_kind(places, PlaceKind.COMMUNITY):
        grids = _children(places, community, PlaceKind.GRID)
        compounds = _children(places, community, PlaceKind.COMPOUND)
        assert 3 <= len(grids) <= 6 and 1 <= len(compounds) <= 3
        assert [g.code[-3:] for g in grids] == [f"{n:03d}" for n in range(1, len(grids) + 1)]
        assert [c.code[-3:] for c in compounds] == [str(501 + n) for n in range(len(compounds))]
        assert grids[0].name == f"{community.name}第一网格"
    compounds = _of_kind(places, PlaceKind.COMPOUND)
    assert len(compounds) >= 12
    assert len({c.name for c in compounds}) == len(compounds)


def test_every_boundary_is_a_closed_polygon(places):
    for place in places:
        assert place.boundary["type"] == "Polygon"
        geo.validate_geometry(place.boundary)  # raises on an open ring


def test_communities_tile_their_street_and_grids_tile_their_community(places):
    for parent_kind, kind in (
        (PlaceKind.STREET, PlaceKind.COMMUNITY),
        (PlaceKind.COMMUNITY, PlaceKind.GRID),
    ):
        for parent in _of_kind(places, parent_kind):
            parts = [_box(p) for p in _children(places, parent, kind)]
            if not parts:
                continue  # a town without communities
            outer = _box(parent)
            for part in parts:
                assert outer[0] <= part[0] and part[2] <= outer[2]
                assert outer[1] <= part[1] and part[3] <= outer[3]
            assert all(_overlap(a, b) == 0 for a, b in itertools.combinations(parts, 2))
            # Inside, not overlapping, and together as large: they cover it.
            assert sum(map(_area, parts)) == pytest.approx(_area(outer), rel=1e-9)


def test_streets_and_towns_do_not_overlap_and_the_city_covers_everything(places):
    streets = [_box(s) for s in _of_kind(places, PlaceKind.STREET)]
    assert all(_overlap(a, b) == 0 for a, b in itertools.combinations(streets, 2))
    city = _of_kind(places, PlaceKind.CITY)[0]
    for place in places[1:]:
        assert all(geo.contains(city.boundary, lon, lat) for lon, lat in _vertices(place))


def test_each_compound_lies_inside_one_grid_of_its_community_and_alone_there(places):
    for community in _of_kind(places, PlaceKind.COMMUNITY):
        grids = _children(places, community, PlaceKind.GRID)
        homes = []
        for compound in _children(places, community, PlaceKind.COMPOUND):
            holding = [
                g
                for g in grids
                if all(geo.contains(g.boundary, lon, lat) for lon, lat in _vertices(compound))
            ]
            assert len(holding) == 1, compound
            homes.append(holding[0].code)
        assert len(homes) == len(set(homes))


def test_the_city_lies_where_leping_is(places):
    lon, lat = geo.centroid(_of_kind(places, PlaceKind.COMMUNITY)[0].boundary)
    assert 117.0 < lon < 117.2 and 28.9 < lat < 29.0
