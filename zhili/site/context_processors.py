from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from zhili.core import permissions
from zhili.core.permissions import Cap, Role
from zhili.exports.registry import may_export
from zhili.notifications.selectors import unread_count
from zhili.places.picker import current_place

# (label, url name, capability needed, or a test of the user, or None for every signed-in
# user)
NAV = [
    (_("Home"), "home", None),
    (_("Places"), "places:list", Cap.PLACES_VIEW),
    (_("People"), "people:list", Cap.PEOPLE_VIEW),
    (_("Departments"), "orgs:list", Cap.DEPARTMENTS_VIEW),
    (_("My exports"), "exports:list", may_export),
    (_("Report a problem"), "cases:report", Cap.CASES_REPORT),
    (_("Cases"), "cases:workbench", Cap.CASES_VIEW),
    (_("Orders"), "cases:inbox", Cap.CASES_HANDLE),
    (_("Coordination"), "cases:coordination", Cap.CASES_COORDINATE),
    (_("Bulletins"), "bulletins:page", Cap.CASES_VIEW),
    (_("Notifications"), "notifications:list", None),
]


def _shown(user, need) -> bool:
    if need is None:
        return True
    if callable(need):
        return need(user)
    return permissions.can(user, need)


def _nav(request) -> list[dict]:
    """The navigation the user's capabilities open; the one item whose address is the
    longest start of this page's (/cases/coordination/ is 统筹 alone, not 事件 too) is
    marked as the page."""
    nav = [
        {"label": label, "url": reverse(name), "inbox": name == "notifications:list"}
        for label, name, need in NAV
        if _shown(request.user, need)
    ]
    path = request.path
    matches = [
        item
        for item in nav
        if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))
    ]
    current = max(matches, key=lambda item: len(item["url"]), default=None)
    for item in nav:
        item["active"] = item is current
    return nav


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    nav = _nav(request)
    role = permissions.primary_role(user)
    return {
        "nav": nav,
        "nav_current": next((item for item in nav if item["active"]), None),
        # Counted only when a page shows it (one indexed COUNT).
        "unread_notifications": SimpleLazyObject(partial(unread_count, user)),
        "primary_role": role,
        "primary_role_label": Role(role).label if role else _("No role yet"),
        "current_place": current_place(request),
        "is_admin_role": permissions.can(user, Cap.ACCOUNTS_MANAGE),
        "map_tile_url": settings.MAP_TILE_URL,
        # Leaflet's zoom buttons' titles, in the reader's language (placemap.js, casemap.js).
        "map_words": {"zoomInTitle": _("Zoom in"), "zoomOutTitle": _("Zoom out")},
        "echarts_available": settings.ECHARTS_AVAILABLE,
    }
