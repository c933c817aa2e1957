"""Reads of the place tree, already limited to the actor's scope."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.core.permissions import Cap
from zhili.places import geo
from zhili.places.models import Place, PlaceKind


def places_for(actor, cap: str = Cap.PLACES_VIEW) -> QuerySet[Place]:
    return permissions.scope_filter(Place.objects.all(), actor, cap, "path")


def access_place(actor, place_id, cap: str = Cap.PLACES_VIEW) -> Place:
    """The place, if it exists and lies within the actor's scope; otherwise NotFound."""
    try:
        return places_for(actor, cap).get(pk=place_id)
    except (Place.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def ancestors(place: Place) -> list[Place]:
    """From the root down to the place's parent, in one query."""
    codes = place.codes_in_path[:-1]
    by_code = {p.code: p for p in Place.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def search_places(actor, text: str, limit: int = 20) -> QuerySet[Place]:
    qs = places_for(actor)
    if text:
        qs = qs.filter(name__icontains=text) | qs.filter(code__startswith=text)
    return qs.order_by("depth", "path")[:limit]


@dataclass(frozen=True)
class Location:
    """Where a point lies: its grid (if any), community, street and city, and the compound
    when the point lies inside one."""

    grid: Place | None
    community: Place | None
    street: Place | None
    city: Place | None
    compound: Place | None = None

    @property
    def most_specific(self) -> Place | None:
        """The grid, or the community, street or city a point falls to without one."""
        return self.grid or self.community or self.street or self.city


def locate_point(lon: float, lat: float) -> Location | None:
    """The grid that contains (lon, lat), with its community, street and city.

    A point inside a community but in none of its grids falls to the community (属地兜底);
    a point inside no boundary at all returns None, and the caller says so plainly.
    """
    return locate_points([(lon, lat)])[0]


def _holds(place: Place, lon: float, lat: float) -> bool:
    """Whether the place's bounding box holds the point (what the query below selects)."""
    return place.min_lon <= lon <= place.max_lon and place.min_lat <= lat <= place.max_lat


def locate_points(points: list[tuple[float, float]]) -> list[Location | None]:
    """locate_point for many points at once (the intake's batch filer), in one query: the
    Location of each point, in their order."""
    if not points:
        return []
    # One indexed query fetches every place whose bounding box holds a point: the grid
    # and, when boundaries nest, its ancestors too.
    boxes = Q()
    for lon, lat in dict.fromkeys(points):
        boxes |= Q(min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat)
    found = list(Place.objects.filter(boxes).order_by("code"))
    by_code = {p.code: p for p in found}
    return [
        _locate(lon, lat, [p for p in found if _holds(p, lon, lat)], by_code) for lon, lat in points
    ]


def _locate(lon: float, lat: float, candidates: list[Place], by_code: dict) -> Location | None:
    """The point's Location among the places whose boxes hold it (ordered by code)."""
    for kind in (PlaceKind.GRID, PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.CITY):
        for place in candidates:
            if place.kind == kind and geo.contains(place.boundary, lon, lat):
                missing = [c for c in place.codes_in_path if c not in by_code]
                if missing:  # an ancestor without a boundary
                    by_code.update((p.code, p) for p in Place.objects.filter(code__in=missing))
                by_kind = {by_code[c].kind: by_code[c] for c in place.codes_in_path if c in by_code}
                compound = next(
                    (
                        c
                        for c in candidates
                        if c.kind == PlaceKind.COMPOUND and geo.contains(c.boundary, lon, lat)
                    ),
                    None,
                )
                return Location(
                    grid=by_kind.get(PlaceKind.GRID),
                    community=by_kind.get(PlaceKind.COMMUNITY),
                    street=by_kind.get(PlaceKind.STREET),
                    city=by_kind.get(PlaceKind.CITY),
                    compound=compound,
                )
    return None
