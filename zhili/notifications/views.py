from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from zhili.notifications.selectors import access_notification, inbox_for
from zhili.notifications.services import mark_all_read, mark_read

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request):
    page = Paginator(inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def read(request, notification_id: int):
    """Mark one read; htmx swaps the item in place, a plain form goes back to the inbox."""
    notification = mark_read(
        actor=request.user, notification=access_notification(request.user, notification_id)
    )
    if request.htmx:
        return render(request, "notifications/partials/item.html", {"n": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request):
    mark_all_read(actor=request.user)
    return redirect("notifications:list")
