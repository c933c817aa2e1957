"""The place picker: which part of the actor's area the pages are looking at.

The choice lives in the session (so any app server can serve the next request) and is
re-checked against the actor's scope on every read.
"""

from zhili.core import permissions
from zhili.core.permissions import Cap
from zhili.places.models import Place

SESSION_KEY = "zhili_place_id"


def scope_roots(actor, cap: str = Cap.PLACES_VIEW) -> list[Place]:
    """The outermost places where the actor holds `cap`, in tree order."""
    paths = permissions.scope_paths(actor, cap)
    if "/" in paths:
        return list(Place.objects.filter(parent__isnull=True))
    return list(Place.objects.filter(path__in=paths).order_by("path"))


def current_place(request) -> Place | None:
    """The picked place if it is still within scope, else the actor's first scope root."""
    actor = request.user
    if not permissions.can(actor, Cap.PLACES_VIEW):
        return None
    cached = getattr(request, "_zhili_place", None)
    if cached is not None:
        return cached
    place = None
    place_id = request.session.get(SESSION_KEY)
    if place_id:
        place = Place.objects.filter(pk=place_id).first()
        if place and not permissions.can(actor, Cap.PLACES_VIEW, place.path):
            place = None
    if place is None:
        roots = scope_roots(actor)
        place = roots[0] if roots else None
    request._zhili_place = place
    return place


def pick_place(request, place: Place) -> None:
    request.session[SESSION_KEY] = place.pk
    request._zhili_place = place
