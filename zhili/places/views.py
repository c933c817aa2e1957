from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from zhili.audit.selectors import trail_for
from zhili.core import permissions
from zhili.core.facts import facts_for
from zhili.core.permissions import Cap
from zhili.places.forms import PlacePickForm
from zhili.places.picker import current_place, pick_place, scope_roots
from zhili.places.selectors import access_place, ancestors, places_for, search_places


@login_required
@require_GET
def place_list(request):
    permissions.require(request.user, Cap.PLACES_VIEW)
    return render(request, "places/list.html", {"roots": scope_roots(request.user)})


@login_required
@require_GET
def place_detail(request, place_id: int):
    actor = request.user
    permissions.require(actor, Cap.PLACES_VIEW)  # no role to see places: 403, not 404
    place = access_place(actor, place_id)
    children = places_for(actor).filter(parent=place).order_by("kind", "code")
    boundaries = [
        {"name": c.name, "code": c.code, "kind": c.kind, "geometry": c.boundary}
        for c in children
        if c.boundary
    ]
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "ancestors": [
                a for a in ancestors(place) if permissions.can(actor, Cap.PLACES_VIEW, a.path)
            ],
            "children": children,
            "map_data": {"place": place.boundary, "children": boundaries}
            if place.boundary
            else None,
            "facts": facts_for(actor, place),
            "trail": trail_for(actor, place, place.path),
        },
    )


@login_required
@require_GET
def picker(request):
    """The place picker's search results (an htmx fragment)."""
    permissions.require(request.user, Cap.PLACES_VIEW)
    results = search_places(request.user, request.GET.get("q", "").strip())
    return render(
        request,
        "places/partials/picker_results.html",
        {
            "results": results,
            "current_place": current_place(request),
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@require_POST
def pick(request):
    form = PlacePickForm(request.POST)
    next_url = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("home")
    permissions.require(request.user, Cap.PLACES_VIEW)
    if form.is_valid():
        pick_place(request, access_place(request.user, form.cleaned_data["place"]))
    return HttpResponseRedirect(next_url)
