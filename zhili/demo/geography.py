"""The demo city's map: Leping, its streets and towns, 19 communities, grids and compounds.

Rectangles tile rectangles, so that every point of a community lies in exactly one of its
grids and `places.selectors.locate_point` always answers. The map has a seed of its own and
stays the same whatever seed the people are drawn with.
"""

import itertools
import random
from dataclasses import dataclass

from zhili.demo import data
from zhili.places.models import PlaceKind

_MAP_SEED = 360281

# The urban streets lie side by side north to south, between these longitudes; each row of
# communities is this many degrees of latitude high (about 1.1-1.4 km).
_URBAN_WEST, _URBAN_EAST, _URBAN_NORTH = 117.090, 117.150, 28.985
_ROW_HEIGHT = {"360281001": 0.0125, "360281002": 0.010}
_TOWN_BOXES = {
    "360281101": (116.960, 28.930, 117.090, 29.060),
    "360281102": (117.150, 28.840, 117.300, 28.985),
}
# Leping spans about 116.9-117.4 E, 28.8-29.2 N; an outline in that box around every street.
_CITY_RING = [
    [116.90, 28.90],
    [116.95, 28.80],
    [117.10, 28.77],
    [117.30, 28.79],
    [117.42, 28.88],
    [117.44, 29.02],
    [117.35, 29.15],
    [117.15, 29.21],
    [116.98, 29.16],
    [116.89, 29.04],
    [116.90, 28.90],
]


@dataclass(frozen=True)
class PlacePlan:
    kind: str
    code: str
    name: str
    parent_code: str | None
    boundary: dict


def _rect(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [east, south],
                [east, north],
                [west, north],
                [west, south],
            ]
        ],
    }


def _cuts(start: float, length: float, parts: int, rng: random.Random) -> list[float]:
    """parts + 1 positions from start to start + length, cutting it into uneven parts."""
    weights = [1 + rng.uniform(-0.2, 0.2) for _ in range(parts)]
    total = sum(weights)
    running = list(itertools.accumulate(weights))
    # Rounded once here and reused, so that neighbours share their edges exactly.
    return (
        [round(start, 6)]
        + [round(start + length * w / total, 6) for w in running[:-1]]
        + [round(start + length, 6)]
    )


def _tile(box: tuple, row_counts: list[int], rng: random.Random) -> list[tuple]:
    """Cut a box (west, south, east, north) into rows (north first) of `row_counts` boxes."""
    west, south, east, north = box
    rows = _cuts(north, south - north, len(row_counts), rng)
    boxes = []
    for r, count in enumerate(row_counts):
        cols = _cuts(west, east - west, count, rng)
        boxes += [(cols[c], rows[r + 1], cols[c + 1], rows[r]) for c in range(count)]
    return boxes


def _grid_rows(count: int) -> list[int]:
    """3 grids in a row; 4, 5 or 6 in two rows (the northern row takes the odd one)."""
    if count <= 3:
        return [count]
    return [count - count // 2, count // 2]


def _compound_boundary(box: tuple, rng: random.Random) -> dict:
    """A compound well inside its grid; most lose a corner to a road or a school."""
    west, south, east, north = box
    dx, dy = east - west, north - south
    x0, x1 = west + dx * rng.uniform(0.15, 0.3), east - dx * rng.uniform(0.15, 0.3)
    y0, y1 = south + dy * rng.uniform(0.15, 0.3), north - dy * rng.uniform(0.15, 0.3)
    x0, x1, y0, y1 = (round(v, 6) for v in (x0, x1, y0, y1))
    if rng.random() < 0.3:
        return _rect(x0, y0, x1, y1)
    cx = round(x1 - (x1 - x0) * rng.uniform(0.25, 0.45), 6)
    cy = round(y1 - (y1 - y0) * rng.uniform(0.25, 0.45), 6)
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [x0, y0],
                [x1, y0],
                [x1, cy],
                [cx, cy],
                [cx, y1],
                [x0, y1],
                [x0, y0],
            ]
        ],
    }


def _compound_name(prefix: str, used: set[str], rng: random.Random) -> str:
    """翠平花园, 瓷都家园 …: unique, and never 花园花园."""
    suffixes = [s for s in data.COMPOUND_SUFFIXES if s[-1] not in prefix]
    name = prefix + rng.choice(suffixes)
    while name in used:
        name = prefix + rng.choice(suffixes)
    used.add(name)
    return name


def plan_places() -> list[PlacePlan]:
    """The map, parents before children: the city, its streets and towns, 19 communities,
    their grids (3-6 each, codes 001..) and compounds (1-3 each, codes from 501)."""
    rng = random.Random(_MAP_SEED)
    city_code, city_name = data.CITY
    plans = [
        PlacePlan(
            PlaceKind.CITY,
            city_code,
            city_name,
            None,
            {"type": "Polygon", "coordinates": [_CITY_RING]},
        )
    ]
    children: list[PlacePlan] = []
    north = _URBAN_NORTH
    used_compound_names: set[str] = set()
    prefixes = iter(rng.sample(data.COMPOUND_PREFIXES, len(data.COMPOUND_PREFIXES)))
    for street_code, street_name, rows in data.STREETS:
        south = round(north - _ROW_HEIGHT[street_code] * len(rows), 6)
        street_box = (_URBAN_WEST, south, _URBAN_EAST, north)
        plans.append(
            PlacePlan(PlaceKind.STREET, street_code, street_name, city_code, _rect(*street_box))
        )
        names = [name for row in rows for name in row]
        for number, (name, box) in enumerate(
            zip(names, _tile(street_box, [len(r) for r in rows], rng), strict=True), start=1
        ):
            code = f"{street_code}{number:03d}"
            children.append(PlacePlan(PlaceKind.COMMUNITY, code, name, street_code, _rect(*box)))
            grid_boxes = _tile(box, _grid_rows(rng.randint(3, 6)), rng)
            stem = name.removesuffix("社区")
            for g, grid_box in enumerate(grid_boxes, start=1):
                children.append(
                    PlacePlan(
                        PlaceKind.GRID,
                        f"{code}{g:03d}",
                        f"{name}第{data.GRID_NUMERALS[g - 1]}网格",
                        code,
                        _rect(*grid_box),
                    )
                )
            # Each compound in a grid of its own, so that compounds never overlap.
            homes = sorted(rng.sample(range(len(grid_boxes)), rng.randint(1, 3)))
            for k, grid_index in enumerate(homes):
                compound_name = _compound_name(
                    stem if k == 0 else next(prefixes), used_compound_names, rng
                )
                children.append(
                    PlacePlan(
                        PlaceKind.COMPOUND,
                        f"{code}{501 + k}",
                        compound_name,
                        code,
                        _compound_boundary(grid_boxes[grid_index], rng),
                    )
                )
        north = south
    for code, name in data.TOWNS:
        plans.append(PlacePlan(PlaceKind.STREET, code, name, city_code, _rect(*_TOWN_BOXES[code])))
    return plans + children
