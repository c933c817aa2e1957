"""The case pages: the whistle on a phone, the centre's workbench, a department's inbox, the
case page with its acts, and the street's coordination view. Thin: reads come from
zhili.cases.selectors, every write is a service called through zhili.cases.offers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.cases import coordination_selectors as joint
from zhili.cases.act_rules import refusal
from zhili.cases.forms import (
    ACT_FORMS,
    AddPhotosForm,
    DispatchForm,
    JointActionForm,
    MergeForm,
    QueueFilterForm,
    ReportForm,
)
from zhili.cases.models import OPEN_STATUSES, Case, CaseStatus, CaseTask, Category
from zhili.cases.offers import ACTS, ADD_PHOTOS, Act, offered_acts, perform
from zhili.cases.selectors import (
    ALL_TAB,
    INBOX_FILTERS,
    OPEN,
    access_case,
    case_list,
    coordination_cases,
    default_queue_tab,
    exact_deadline_note,
    inbox_counts,
    inbox_list,
    lead_for,
    queue_counts,
    queue_tab_cases,
    queue_tabs,
)
from zhili.cases.services.coordination import record_joint_action
from zhili.cases.services.photos import max_photos
from zhili.cases.services.report import report_case
from zhili.core import permissions
from zhili.core.errors import Conflict, InvalidInput, NotFound
from zhili.core.forms import add_domain_errors
from zhili.core.permissions import Cap
from zhili.core.personal import mask_phone
from zhili.places.picker import current_place

# What each timeline entry says happened (CaseEvent.action); an act added later shows its code.
ACTION_LABELS = {
    "report": gettext_lazy("reported it"),
    "accept": gettext_lazy("accepted it"),
    "reject": gettext_lazy("rejected it"),
    "dispatch": gettext_lazy("dispatched it"),
    "take": gettext_lazy("took the order"),
    "return": gettext_lazy("returned the order"),
    "handle": gettext_lazy("reported it handled"),
    "verify": gettext_lazy("verified it on the spot"),
    "rework": gettext_lazy("sent it back for rework"),
    "close": gettext_lazy("closed it"),
    "rate": gettext_lazy("rated it"),
    "hold": gettext_lazy("put it on hold"),
    "void": gettext_lazy("voided it"),
    "photo": gettext_lazy("added photos"),
    "recategorise": gettext_lazy("changed the category"),
    "coordinate": gettext_lazy("handed it to the street"),
    "merge": gettext_lazy("merged it into another case"),
    "resume": gettext_lazy("took it off hold"),
    "reopen": gettext_lazy("reopened it"),
    "extension_request": gettext_lazy("asked for more time"),
    "extension_grant": gettext_lazy("granted more time"),
    "extension_refuse": gettext_lazy("refused more time"),
    "objection": gettext_lazy("objected to the order"),
    "objection_kept": gettext_lazy("kept the order: objection refused"),
    "objection_upheld": gettext_lazy("upheld the objection: order taken back"),
    "reassign": gettext_lazy("reassigned it"),
    "joint_action": gettext_lazy("recorded a joint enforcement action"),
    "merged_in": gettext_lazy("took in a merged case"),
}
STATUS_LABELS = dict(CaseStatus.choices)

PAGE_SIZE = 50
JOINT_ACTIONS_PAGE_SIZE = 20
MAP_POINTS = 500  # open cases drawn on the workbench's map, most urgent first


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Reporting ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    actor = request.user
    permissions.require(actor, Cap.CASES_REPORT)
    form = ReportForm(request.POST or None, request.FILES or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            case = report_case(
                actor=actor,
                category=values["category"],
                description=values["description"],
                urgency=values["urgency"],
                longitude=values["longitude"],
                latitude=values["latitude"],
                place=values["place"],
                address=values["address"],
                answers=form.answers(),
                idempotency_key=values["idempotency_key"],
                photos=values["photos"],
            )
        except InvalidInput as exc:
            # The service names the questions' answers as the form does not.
            exc.fields = {form.service_field(f): found for f, found in exc.fields.items()}
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _("Report %(number)s is filed; the centre will answer it.")
                % {"number": case.number},
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/report.html", {"form": form})


@login_required
@require_GET
def report_questions(request):
    """The chosen category's extra questions (htmx swaps them into the report form)."""
    actor = request.user
    permissions.require(actor, Cap.CASES_REPORT)
    category_id = request.GET.get("category", "")
    category = (
        Category.objects.filter(pk=category_id, is_active=True).first()
        if category_id.isdigit()
        else None
    )
    form = ReportForm(actor=actor, category=category)
    return render(request, "cases/partials/questions.html", {"form": form})


# --- Lists -------------------------------------------------------------------------------------


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def workbench(request):
    """The centre's queue: tabs for the acts it owes (each with its count, one aggregate),
    opening on the tab that holds the deadline nearest to now; within a tab the nearest
    deadline first. An explicit status, number or overdue filter (the homes' links) lists
    what the filters give, as the 全部 tab does."""
    actor = request.user
    permissions.require(actor, Cap.CASES_VIEW)
    filters = QueueFilterForm(request.GET or None, actor=actor)
    values = filters.values()
    now = timezone.now()
    tabs = queue_tabs(now)
    # The counts follow the narrowing filters (category, urgency, channel, place).
    owed = case_list(
        actor, area_only=True, **{**values, "status": OPEN, "number": "", "overdue": False}
    )
    counts = queue_counts(owed, tabs, now)
    keys = {t.key: t for t in tabs}
    tab = request.GET.get("tab", "")
    if tab not in keys and tab != ALL_TAB:
        explicit = request.GET.get("status", OPEN) != OPEN or values["number"] or values["overdue"]
        tab = ALL_TAB if explicit else default_queue_tab(tabs, counts, now)
    if tab == ALL_TAB:
        cases = case_list(actor, area_only=True, **values)
        only_open = filters.only_open
    else:
        cases = queue_tab_cases(owed, keys[tab])
        only_open = True
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    points = [
        {
            "id": pk,
            "number": number,
            "lon": lon,
            "lat": lat,
            "url": reverse("cases:detail", args=[pk]),
        }
        for pk, number, lon, lat in (cases if only_open else cases.filter(status__in=OPEN_STATUSES))
        .filter(longitude__isnull=False, latitude__isnull=False)
        .values_list("pk", "number", "longitude", "latitude")[:MAP_POINTS]
    ]
    tab_query = request.GET.copy()
    for name in ("page", "tab", "status", "number", "overdue"):
        tab_query.pop(name, None)
    return render(
        request,
        "cases/workbench.html",
        {
            "filters": filters,
            "tabs": [{"key": t.key, "label": t.label, "count": counts[t.key][0]} for t in tabs],
            "tab": tab,
            "tab_query": tab_query.urlencode(),
            "page": page,
            "query": _with_tab(request, tab),
            "map_data": {"points": points},
        },
    )


def _with_tab(request, tab: str) -> str:
    """The page links' query: the filters and the tab shown (the default one included)."""
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = tab
    return query.urlencode()


# The inbox's filters as the tabs name them (INBOX_FILTERS).
INBOX_LABELS = (gettext_lazy("To take"), gettext_lazy("In hand"), gettext_lazy("All"))


# The acts a department's inbox offers on each order.
INBOX_ACTS = ("take", "return", "object", "handle")


@login_required
@require_GET
def inbox(request):
    """A department's orders: 待接单 (waiting to be taken), 办理中 (in hand) or 全部, each
    with its count; the most urgent first. Opens on the orders to take while there are any."""
    actor = request.user
    permissions.require(actor, Cap.CASES_HANDLE)
    counts = inbox_counts(actor)
    which = request.GET.get("show", "")
    if which not in INBOX_FILTERS:
        which = "waiting" if counts["waiting"] else "all"
    page = Paginator(inbox_list(actor, which), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for task in page.object_list:
        # What the act table allows on this order now (an order whose objection awaits the
        # centre offers nothing; one the centre kept offers take alone).
        allowed = {a for a in INBOX_ACTS if refusal(actor, a, task.case, task) is None}
        forms = {
            f"{name}_form": ACT_FORMS[name](
                prefix=name, initial={"version": task.case.version, "task": task.pk}
            )
            for name in ("return", "object", "handle")
            if name in allowed
        }
        rows.append({"task": task, "acts": allowed, **forms})
    shows = [
        {"key": key, "label": label, "count": counts[key]}
        for key, label in zip(INBOX_FILTERS, INBOX_LABELS, strict=True)
    ]
    return render(
        request,
        "cases/inbox.html",
        {"page": page, "rows": rows, "shows": shows, "show": which, "query": f"show={which}"},
    )


@login_required
@require_GET
def coordination(request):
    """The street's view (街道吹哨、部门报到): cases it coordinates or that need several
    departments, with the dispatch form where the street may dispatch."""
    actor = request.user
    permissions.require(actor, Cap.CASES_COORDINATE)
    page = Paginator(coordination_cases(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    dispatch = ACTS["dispatch"]
    rows = []
    for case in page.object_list:
        form = None
        if dispatch.offered(actor, case):
            form = DispatchForm(
                prefix="dispatch",
                auto_id=f"id_%s_{case.pk}",
                case=case,
                lead=lead_for(case.category, case.place),
                initial={"version": case.version},
            )
        rows.append({"case": case, "dispatch_form": form})
    return render(request, "cases/coordination.html", {"page": page, "rows": rows})


# --- The case page and its acts ----------------------------------------------------------------


def _act_form(act: Act, case: Case, *, data=None, files=None, task=None, actor=None):
    form_class = ACT_FORMS[act.name]
    initial = {"version": case.version}
    if task is not None:
        initial["task"] = task.pk
    kwargs = {"prefix": act.name, "data": data, "files": files, "initial": initial}
    if issubclass(form_class, DispatchForm):
        kwargs["case"] = case
        kwargs["lead"] = lead_for(case.category, case.place)
    if form_class is MergeForm:
        kwargs["case"] = case
    form = form_class(**kwargs)
    form.actor = actor
    return form


def _act_forms(actor, case: Case, failed: tuple[str, int | None, object] | None = None):
    """The forms of the acts the actor may take now, one per order for a department's act;
    `failed` is (act name, task id, bound form) to show again with its errors."""
    forms = []
    for act in offered_acts(actor, case):
        for task in act.tasks(actor, case) if act.on_task else [None]:
            task_id = task.pk if task else None
            if failed and failed[0] == act.name and failed[1] in (None, task_id):
                form = failed[2]
            else:
                form = _act_form(act, case, task=task, actor=actor)
            forms.append({"act": act, "task": task, "form": form})
    return forms


def _answer_text(question: dict, value) -> str:
    names = {str(v.get("key")): v.get("name", v.get("key")) for v in question.get("values", [])}
    values = value if isinstance(value, list) else [value]
    return "、".join(str(names.get(str(v), v)) for v in values)


def _reporter(actor, case: Case) -> dict:
    """Who reported the case and how to call them back: the phone in full for those who may
    see personal data over the case's place (people.personal), masked for everyone else."""
    account = case.reporter
    name = case.reporter_name or (account.full_name or account.get_username() if account else "")
    phone = case.reporter_phone
    if phone and not permissions.can(actor, Cap.PEOPLE_PERSONAL, case.place_path):
        phone = mask_phone(phone)
    via = account.get_username() if account and case.reporter_name else ""
    return {"name": name, "phone": phone, "via": via}


def _case_page(request, case: Case, *, failed=None, photo_form=None, status=200):
    actor = request.user
    # The orders, read once: the acts offered below look at them through case.tasks.all().
    prefetch_related_objects(
        [case], Prefetch("tasks", queryset=CaseTask.objects.select_related("department"))
    )
    tasks = list(case.tasks.all())
    for task in tasks:  # the words for a deadline counted on a provisional calendar
        task.deadline_note = exact_deadline_note(task=task)
    events = list(case.events.select_related("task__department", "actor"))
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.to_label = (
            STATUS_LABELS.get(event.to_status, "") if event.to_status != event.from_status else ""
        )
    questions = {q.get("code"): q for q in case.category.attributes or []}
    answers = [
        (questions.get(code, {}).get("label", code), _answer_text(questions.get(code, {}), value))
        for code, value in (case.attributes or {}).items()
    ]
    photos = list(case.photos.select_related("uploaded_by"))
    if photo_form is None and ADD_PHOTOS.offered(actor, case):
        photo_form = AddPhotosForm(prefix="photo")
    joint_actions = joint.case_joint_actions(case)
    openable = joint.visible_joint_action_ids(actor, joint_actions)
    for action in joint_actions:
        action.openable = action.pk in openable
    boundary = case.place.boundary if case.place_id else None
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "step_deadline_note": exact_deadline_note(case=case),
            "tasks": tasks,
            "events": events,
            "photos": photos,
            "answers": answers,
            "reporter": _reporter(actor, case),
            "act_forms": _act_forms(actor, case, failed),
            "photo_form": photo_form,
            "max_photos": max_photos(),
            "joint_actions": joint_actions,
            "may_record_joint_action": joint.may_link_case(actor, case),
            "map_data": {
                "point": [case.longitude, case.latitude]
                if case.longitude is not None and case.latitude is not None
                else None,
                "place": boundary,
            },
        },
        status=status,
    )


@login_required
@require_GET
def case_detail(request, case_id: int):
    return _case_page(request, access_case(request.user, case_id))


@login_required
@require_POST
def case_act(request, case_id: int, act: str):
    """Carry out one act on the case. A stale page (the case moved on meanwhile) is shown
    the case as it now stands with a message; field errors are shown on the act's form."""
    actor = request.user
    case = access_case(actor, case_id)
    if act not in ACTS:
        raise NotFound()
    chosen = ACTS[act]
    form = _act_form(chosen, case, data=request.POST, files=request.FILES, actor=actor)
    if form.is_valid():
        try:
            perform(chosen, actor=actor, case=case, values=form.cleaned_data)
        except Conflict as exc:
            messages.error(request, _("The case changed meanwhile: %(why)s") % {"why": exc.message})
            return _case_page(request, access_case(actor, case_id), status=409)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Done: %(act)s.") % {"act": chosen.label})
            return redirect(_next_url(request, reverse("cases:detail", args=[case.pk])))
    task_id = form.cleaned_data.get("task") if hasattr(form, "cleaned_data") else None
    return _case_page(request, case, failed=(act, task_id, form))


@login_required
@require_POST
def add_photos(request, case_id: int):
    """Add photos to the case later (the phone's camera): whoever services.photos.add_photos
    permits; field errors are shown on the form, and a bad photo adds none."""
    actor = request.user
    case = access_case(actor, case_id)
    form = AddPhotosForm(request.POST, request.FILES, prefix="photo")
    if form.is_valid():
        try:
            added = perform(ADD_PHOTOS, actor=actor, case=case, values=form.cleaned_data)
        except Conflict as exc:
            messages.error(request, _("The case changed meanwhile: %(why)s") % {"why": exc.message})
            return _case_page(request, access_case(actor, case_id), status=409)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            if added:
                messages.success(
                    request,
                    ngettext("%(n)d photo added.", "%(n)d photos added.", len(added))
                    % {"n": len(added)},
                )
            else:
                messages.info(request, _("These photos are on the case already."))
            return redirect("cases:detail", case_id=case.pk)
    return _case_page(request, case, photo_form=form)


@login_required
@require_GET
def case_photo(request, case_id: int, photo_id: int, size: str):
    """A case's photo, to those who may see the case only (never a public media address)."""
    case = access_case(request.user, case_id)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None or size not in ("full", "thumb"):
        raise NotFound()
    stored = photo.thumbnail if size == "thumb" else photo.image
    response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- Joint enforcement actions (联合执法) -----------------------------------------------------


@login_required
@require_GET
def joint_actions(request):
    """The area's joint enforcement actions, newest first."""
    actor = request.user
    permissions.require(actor, Cap.CASES_VIEW)
    page = Paginator(joint.area_joint_actions(actor), JOINT_ACTIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/joint_actions.html",
        {
            "page": page,
            "query": _query_without_page(request),
            "may_record": joint.may_record_joint_actions(actor),
        },
    )


@login_required
@require_GET
def joint_action_detail(request, action_id: int):
    actor = request.user
    permissions.require(actor, Cap.CASES_VIEW)
    action = joint.access_joint_action(actor, action_id)
    return render(
        request,
        "cases/joint_action_detail.html",
        {"action": action, "departments": list(action.departments.all())},
    )


def _default_place(request, places):
    """The place the top bar's picker shows, when a joint action may be recorded there;
    else the first of the actor's area."""
    picked = current_place(request)
    if picked is not None and places.filter(pk=picked.pk).exists():
        return picked
    return places.first()


@login_required
@require_http_methods(["GET", "POST"])
def joint_action_new(request):
    """Record a joint enforcement action: date, place, departments, the cases it dealt with
    (pre-selected when opened from a case's page: ?case=ID), how many it solved, notes."""
    actor = request.user
    permissions.require(actor, Cap.CASES_COORDINATE)
    preselected = request.GET.getlist("case")
    places = joint.joint_action_places(actor)
    cases = joint.joint_action_cases(actor, include=preselected)
    form = JointActionForm(
        request.POST if request.method == "POST" else None,
        places=places,
        departments=joint.joint_action_departments(actor),
        cases=cases,
        initial={
            "date": timezone.localdate(),
            "place": _default_place(request, places),
            "cases": [c.pk for c in cases if str(c.pk) in preselected],
        },
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            action = record_joint_action(
                actor=actor,
                date=values["date"],
                place=values["place"],
                departments=values["departments"],
                cases=values["cases"],
                cases_solved=values["cases_solved"],
                notes=values["notes"],
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The joint enforcement action is recorded."))
            return redirect("cases:joint_action", action_id=action.pk)
    return render(
        request,
        "cases/joint_action_form.html",
        {
            "form": form,
            "back": _back_to_case(actor, preselected),
            "recent_days": joint.RECENTLY_CLOSED_DAYS,
        },
    )


def _back_to_case(actor, preselected) -> Case | None:
    """The case whose page the form was opened from, to go back to."""
    if len(preselected) != 1:
        return None
    try:
        return access_case(actor, preselected[0])
    except NotFound:
        return None
