import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.audit.selectors import trail_for
from zhili.core import permissions
from zhili.core.errors import Conflict, InvalidInput
from zhili.core.forms import add_domain_errors
from zhili.core.permissions import Cap
from zhili.exports.services import request_export
from zhili.people import exports, services
from zhili.people.forms import PersonForm
from zhili.people.selectors import access_person, search_people, shown_id_number, shown_phone
from zhili.places.picker import current_place

PAGE_SIZE = 50
# The search travels in POST bodies and stays in the session, never in an address: it may
# be a whole phone or ID-card number, and addresses end up in logs, history and Referers.
SEARCH_KEY = "zhili_people_search"
SEARCH_MAX = 100


def _rows(actor, people):
    return [
        {"person": p, "phone": shown_phone(actor, p), "id_number": shown_id_number(actor, p)}
        for p in people
    ]


def _search_text(request) -> str:
    return request.session.get(SEARCH_KEY, "")


@login_required
@require_http_methods(["GET", "POST"])
def person_list(request):
    """GET shows the session's search (?page=N pages it); POST sets a new search: htmx gets
    the table's first page, a browser without script is sent back to GET."""
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_VIEW)
    page_number = request.GET.get("page")
    if request.method == "POST":
        request.session[SEARCH_KEY] = request.POST.get("q", "").strip()[:SEARCH_MAX]
        if not request.htmx:
            return redirect("people:list")
        page_number = 1
    query = _search_text(request)
    place = current_place(request)
    people = search_people(actor, query, place).order_by("name", "id")
    page = Paginator(people, PAGE_SIZE).get_page(page_number)
    context = {
        "page": page,
        "rows": _rows(actor, page.object_list),
        "q": query,
        "place": place,
        "can_manage": permissions.can(actor, Cap.PEOPLE_MANAGE),
        "can_export": permissions.can(actor, Cap.PEOPLE_EXPORT),
        # One key per search shown: a doubled or retried click makes one export.
        "export_key": uuid.uuid4().hex,
    }
    if request.htmx:
        return render(request, "people/partials/table.html", context)
    return render(request, "people/list.html", context)


@login_required
@require_GET
def person_detail(request, person_id: int):
    actor = request.user
    person = access_person(actor, person_id)
    path = person.address_place.path
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "phone": shown_phone(actor, person),
            "id_number": shown_id_number(actor, person),
            "can_edit": permissions.can(actor, Cap.PEOPLE_MANAGE, path),
            "trail": trail_for(actor, person, path),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_MANAGE)
    form = PersonForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "updated_at"}
        try:
            person = services.register_person(actor=actor, **values)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    actor = request.user
    person = access_person(actor, person_id)
    permissions.require(actor, Cap.PEOPLE_MANAGE, person.address_place.path)
    initial = {f: getattr(person, f) for f in services.PERSON_FIELDS}
    initial["updated_at"] = person.updated_at
    form = PersonForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        # A birth date and gender left as they were are not "given": a corrected ID-card
        # number then brings its own (services.update_person).
        values = {
            k: v
            for k, v in form.cleaned_data.items()
            if k != "updated_at" and (k not in ("birth_date", "gender") or k in form.changed_data)
        }
        try:
            services.update_person(
                actor=actor,
                person=person,
                expected_updated_at=form.cleaned_data["updated_at"],
                **values,
            )
        except (InvalidInput, Conflict) as exc:
            # A change made by someone else since the form opened shows above the form,
            # which keeps what the user typed.
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The record is saved."))
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_export(request):
    """Queue an export of the current search within the current place; its page follows."""
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_EXPORT)
    place = current_place(request)
    export = request_export(
        actor=actor,
        kind=exports.KIND,
        params={"q": _search_text(request), "place": place.pk if place else None},
        idempotency_key=request.POST.get("idempotency_key", ""),
    )
    return redirect("exports:detail", export_id=export.pk)
