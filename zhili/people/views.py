from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhili.audit.selectors import trail_for
from zhili.core import permissions
from zhili.core.errors import InvalidInput
from zhili.core.forms import add_domain_errors
from zhili.core.permissions import Cap
from zhili.people import exports, services
from zhili.people.forms import PersonForm
from zhili.people.selectors import access_person, search_people, shown_id_number, shown_phone
from zhili.places.picker import current_place

PAGE_SIZE = 50


def _rows(actor, people):
    return [{"person": p, "phone": shown_phone(actor, p), "id_number": shown_id_number(actor, p)}
            for p in people]


@login_required
@require_GET
def person_list(request):
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_VIEW)
    query = request.GET.get("q", "").strip()
    place = current_place(request)
    people = search_people(actor, query, place).order_by("name", "id")
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": _rows(actor, page.object_list), "q": query,
               "place": place, "can_manage": permissions.can(actor, Cap.PEOPLE_MANAGE),
               "can_export": permissions.can(actor, Cap.PEOPLE_EXPORT)}
    if request.htmx:
        return render(request, "people/partials/table.html", context)
    return render(request, "people/list.html", context)


@login_required
@require_GET
def person_detail(request, person_id: int):
    actor = request.user
    person = access_person(actor, person_id)
    path = person.address_place.path
    return render(request, "people/detail.html", {
        "person": person,
        "phone": shown_phone(actor, person),
        "id_number": shown_id_number(actor, person),
        "can_edit": permissions.can(actor, Cap.PEOPLE_MANAGE, path),
        "trail": trail_for(actor, person, path),
    })


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
        values = {k: v for k, v in form.cleaned_data.items()
                  if k != "updated_at"
                  and (k not in ("birth_date", "gender") or k in form.changed_data)}
        try:
            services.update_person(actor=actor, person=person,
                                   expected_updated_at=form.cleaned_data["updated_at"],
                                   **values)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The record is saved."))
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


@login_required
@require_GET
def person_export(request):
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_EXPORT)
    people = search_people(actor, request.GET.get("q", ""), current_place(request))
    content = exports.people_workbook(actor, people.order_by("address_place__path", "name"))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.xlsx"'
    return response
