from django.utils.translation import gettext as _
from ninja import Router, Schema

from zhili.core import permissions
from zhili.core.bounds import Id
from zhili.core.errors import InvalidInput
from zhili.core.permissions import Cap
from zhili.places.selectors import access_place, locate_point, places_for

router = Router(tags=["places"])


class PlaceOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    parent_id: int | None
    path: str


class PlaceDetailOut(PlaceOut):
    boundary: dict | None


class LocationOut(Schema):
    grid: PlaceOut | None
    community: PlaceOut | None
    street: PlaceOut | None
    city: PlaceOut | None
    compound: PlaceOut | None


@router.get("/", response=list[PlaceOut])
def list_places(request, kind: str | None = None, parent: Id | None = None):
    permissions.require(request.user, Cap.PLACES_VIEW)
    qs = places_for(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("path")[:2000]


@router.get("/locate", response=LocationOut)
def locate(request, lon: float, lat: float):
    """Which grid, community, street and city a point (WGS 84) lies in."""
    permissions.require(request.user, Cap.PLACES_VIEW)
    errors = {}
    if not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must lie within ±180.")]
    if not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must lie within ±90.")]
    if errors:
        raise InvalidInput(fields=errors)
    location = locate_point(lon, lat)
    # Levels outside the actor's area (the street and city above a community, say) stay
    # blank; a point in none of the actor's places is "outside", as for everyone else.
    visible = {
        level: place
        if place and permissions.can(request.user, Cap.PLACES_VIEW, place.path)
        else None
        for level, place in (vars(location).items() if location else ())
    }
    if not any(visible.values()):
        raise InvalidInput(fields={"lon": [_("This point lies outside every place we know.")]})
    return visible


@router.get("/{place_id}", response=PlaceDetailOut)
def get_place(request, place_id: Id):
    permissions.require(request.user, Cap.PLACES_VIEW)  # no role to see places: 403, not 404
    return access_place(request.user, place_id)
