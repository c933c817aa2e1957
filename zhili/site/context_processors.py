from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from zhili.core import permissions
from zhili.core.permissions import Cap, Role
from zhili.notifications.selectors import unread_count
from zhili.places.picker import current_place

# (label, url name, capability needed or None for every signed-in user)
NAV = [
    (_("Home"), "home", None),
    (_("Places"), "places:list", Cap.PLACES_VIEW),
    (_("People"), "people:list", Cap.PEOPLE_VIEW),
    (_("Departments"), "orgs:list", Cap.DEPARTMENTS_VIEW),
    (_("My exports"), "exports:list", Cap.PEOPLE_EXPORT),
    (_("Report a problem"), "cases:report", Cap.CASES_REPORT),
    (_("Cases"), "cases:workbench", Cap.CASES_VIEW),
    (_("Orders"), "cases:inbox", Cap.CASES_HANDLE),
    (_("Coordination"), "cases:coordination", Cap.CASES_COORDINATE),
    (_("Bulletins"), "bulletins:page", Cap.CASES_VIEW),
    (_("Notifications"), "notifications:list", None),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    nav = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.path == reverse(name)
            or (name != "home" and request.path.startswith(reverse(name))),
            "inbox": name == "notifications:list",
        }
        for label, name, cap in NAV
        if cap is None or permissions.can(user, cap)
    ]
    role = permissions.primary_role(user)
    return {
        "nav": nav,
        # Counted only when a page shows it (one indexed COUNT).
        "unread_notifications": SimpleLazyObject(partial(unread_count, user)),
        "primary_role": role,
        "primary_role_label": Role(role).label if role else _("No role yet"),
        "current_place": current_place(request),
        "is_admin_role": permissions.can(user, Cap.ACCOUNTS_MANAGE),
        "map_tile_url": settings.MAP_TILE_URL,
        "echarts_available": settings.ECHARTS_AVAILABLE,
    }
