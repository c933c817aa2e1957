"""Reads of cases, limited to what the actor may see; and the loop's lookups (routing,
duplicates) that the services use."""

import datetime as dt
import math
import time
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, IntegerField, Max, Min, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.models import (
    LIVE_TASK_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    CaseTask,
    Category,
    Channel,
    ExtensionStatus,
    JointAction,
    ProvisionalDeadline,
    Route,
    Step,
    TaskStatus,
    Urgency,
)
from zhili.core import permissions
from zhili.core.errors import NotFound, invalid
from zhili.core.permissions import Cap
from zhili.core.workcalendar import is_provisional_year, provisional_note
from zhili.orgs.models import Department
from zhili.places.models import Place, ancestor_paths

DEFAULT_DUPLICATE_METRES = 50
DEFAULT_DUPLICATE_DAYS = 30
EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0


def cases_for(actor) -> QuerySet[Case]:
    """Cases in the actor's area (cases.view), cases with an order for the actor's
    department (handlers), the cases the actor reported and the cases the actor follows."""
    q = permissions.scope_q(actor, Cap.CASES_VIEW, "place_path")
    departments = permissions.department_ids(actor)
    if departments and permissions.can(actor, Cap.CASES_HANDLE):
        q |= Q(tasks__department_id__in=departments)
    if getattr(actor, "pk", None):
        q |= Q(reporter_id=actor.pk) | Q(followers__user_id=actor.pk)
    return Case.objects.filter(pk__in=Case.objects.filter(q).values("pk")).select_related(
        "category", "place"
    )


def access_case(actor, case_id) -> Case:
    try:
        return cases_for(actor).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def inbox_for(actor) -> QuerySet[CaseTask]:
    """A department handler's orders, waiting and in hand, oldest deadline first."""
    return (
        CaseTask.objects.filter(
            department_id__in=permissions.department_ids(actor),
            status__in=[TaskStatus.DISPATCHED, TaskStatus.TAKEN],
        )
        .select_related("case", "case__category", "department")
        .order_by("take_deadline", "id")
    )


def extension_requests_for(actor) -> QuerySet[CaseTask]:
    """Orders whose department asks for more time, for the centre over their places."""
    return (
        CaseTask.objects.filter(
            permissions.scope_q(actor, Cap.CASES_DISPATCH, "case__place_path"),
            extension_status=ExtensionStatus.PENDING,
            status=TaskStatus.TAKEN,
        )
        .select_related("case", "case__category", "department")
        .order_by("handle_deadline", "id")
    )


def joint_actions_for(actor) -> QuerySet[JointAction]:
    """Joint enforcement actions in the actor's area (cases.view)."""
    return (
        JointAction.objects.filter(permissions.scope_q(actor, Cap.CASES_VIEW, "place_path"))
        .select_related("place")
        .prefetch_related("departments")
    )


def lead_for(category: Category, place: Place) -> Department | None:
    """The lead department for a category at a place: the route of the nearest place up the
    place's path; else the category's default lead; else the same for its parent category."""
    paths = ancestor_paths(place.path)
    seen = set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        route = (
            Route.objects.filter(category=category, place__path__in=paths)
            .select_related("lead")
            .order_by("-place__depth")
            .first()
        )
        if route is not None:
            return route.lead
        if category.default_lead_id:
            return category.default_lead
        category = category.parent
    return None


def distance_metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(a)))


def find_duplicates(case: Case) -> list[Case]:
    """Open cases of the same category within CASE_DUPLICATE_METRES of `case`'s point and
    reported within CASE_DUPLICATE_DAYS before it, nearest first. A bounding box on
    latitude and longitude (indexed) picks the candidates; the haversine decides."""
    candidates = _duplicate_candidates(case)
    return [] if candidates is None else _nearest(case, candidates)


def find_duplicates_of_many(cases: list[Case]) -> dict[int, list[Case]]:
    """find_duplicates for many cases in one statement (one indexed SELECT per case, joined
    by UNION ALL; the intake's batch filer): {case id: its duplicates, nearest first}."""
    arms = []
    for case in cases:
        candidates = _duplicate_candidates(case)
        if candidates is not None:
            arms.append(candidates.annotate(for_case=Value(case.pk, IntegerField())).order_by())
    found = defaultdict(list)
    if arms:
        for other in arms[0].union(*arms[1:], all=True):
            found[other.for_case].append(other)
    return {case.pk: _nearest(case, found[case.pk]) for case in cases}


def _duplicate_candidates(case: Case) -> QuerySet[Case] | None:
    """The cases whose bounding box and dates make them candidates (None: no point)."""
    if case.latitude is None or case.longitude is None:
        return None
    metres = getattr(settings, "CASE_DUPLICATE_METRES", DEFAULT_DUPLICATE_METRES)
    days = getattr(settings, "CASE_DUPLICATE_DAYS", DEFAULT_DUPLICATE_DAYS)
    dlat = metres / METRES_PER_DEGREE_LAT
    dlon = metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(case.latitude)), 0.01))
    return (
        Case.objects.filter(
            category_id=case.category_id,
            latitude__range=(case.latitude - dlat, case.latitude + dlat),
            longitude__range=(case.longitude - dlon, case.longitude + dlon),
            status__in=OPEN_STATUSES,
            reported_at__gte=case.reported_at - dt.timedelta(days=days),
            reported_at__lte=case.reported_at,
        )
        .exclude(pk=case.pk)
        .only("pk", "number", "latitude", "longitude", "reported_at", "status")
    )


def _nearest(case: Case, candidates) -> list[Case]:
    """The candidates within CASE_DUPLICATE_METRES of the case's point, nearest first."""
    metres = getattr(settings, "CASE_DUPLICATE_METRES", DEFAULT_DUPLICATE_METRES)
    near = []
    for other in candidates:
        distance = distance_metres(case.longitude, case.latitude, other.longitude, other.latitude)
        if distance <= metres:
            near.append((distance, other.reported_at, other.pk, other))
    return [other for *_, other in sorted(near, key=lambda row: row[:3])]


# --- The pages' lists (added with the case pages) ---------------------------------------------


def area_cases(actor) -> QuerySet[Case]:
    """The cases of the actor's area (cases.view) for the centre's queue: a plain filter on
    the copied place path, so that the queue's first page is one indexed query."""
    return Case.objects.filter(
        permissions.scope_q(actor, Cap.CASES_VIEW, "place_path")
    ).select_related("category", "place")


# The case list's status filter for every open status (the workbench's default view).
OPEN = "open"
# The case list's order: the most urgent deadline first, then the newest report.
CASE_LIST_ORDER = (F("step_deadline").asc(nulls_last=True), "-reported_at", "-id")


def case_list(
    actor,
    *,
    area_only: bool = False,
    number: str = "",
    status: str = "",
    category: Category | int | None = None,
    urgency: str = "",
    channel: str = "",
    overdue: bool = False,
    place: Place | int | None = None,
) -> QuerySet[Case]:
    """The case list of the workbench and of GET /api/v1/cases: filtered, most urgent
    deadline first. From the cases the actor sees (cases_for), or with `area_only` from the
    cases of the actor's area (area_cases, the centre's queue).

    `number` names one case, whatever the other filters say. `status` is a status, OPEN (every
    open one) or "" (any). `place` narrows to a place's subtree; it must be a place the actor
    may see (places.view over it): another raises NotFound, as one that does not exist. An
    unknown status or urgency or channel raises InvalidInput on that field."""
    cases = area_cases(actor) if area_only else cases_for(actor)
    if place is not None:
        place = _listed_place(actor, place)
    if status and status != OPEN and status not in CaseStatus.values:
        raise invalid("status", _("Choose a status from the list."))
    if urgency and urgency not in Urgency.values:
        raise invalid("urgency", _("Choose an urgency from the list."))
    if channel and channel not in Channel.values:
        raise invalid(
            "channel",
            _("Select a valid choice. %(value)s is not one of the available choices.")
            % {"value": channel},
        )
    number = (number or "").strip()
    if number:
        return cases.filter(number=number).order_by(*CASE_LIST_ORDER)
    if status == OPEN:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if category is not None:
        cases = cases.filter(category=category)
    if urgency:
        cases = cases.filter(urgency=urgency)
    if channel:
        cases = cases.filter(channel=channel)
    if overdue:
        cases = cases.filter(overdue_q())
    if place is not None:
        cases = cases.filter(place_path__startswith=place.path)
    return cases.order_by(*CASE_LIST_ORDER)


def _listed_place(actor, place: Place | int) -> Place:
    """The place a case list is narrowed to, if the actor may see it; else NotFound."""
    if not isinstance(place, Place):
        place = Place.objects.filter(pk=place).first()
    if place is None or not permissions.can(actor, Cap.PLACES_VIEW, place.path):
        raise NotFound()
    return place


def coordination_cases(actor) -> QuerySet[Case]:
    """Open cases of the coordinator's street that the street coordinates or that several
    departments work on at once."""
    return (
        Case.objects.filter(
            permissions.scope_q(actor, Cap.CASES_COORDINATE, "place_path"),
            status__in=OPEN_STATUSES,
        )
        .annotate(live_tasks=Count("tasks", filter=Q(tasks__status__in=LIVE_TASK_STATUSES)))
        .filter(Q(coordinated=True) | Q(live_tasks__gt=1))
        .select_related("category", "place")
        .prefetch_related(Prefetch("tasks", queryset=CaseTask.objects.select_related("department")))
        .order_by("step_deadline", "-reported_at")
    )


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    """An open case whose current step's deadline has passed, at the moment of asking (never
    stored: a page shows the truth between two sweeps)."""
    now = now or timezone.now()
    return (
        case.status in OPEN_STATUSES and case.step_deadline is not None and case.step_deadline < now
    )


def overdue_q(now: dt.datetime | None = None) -> Q:
    """The cases that are overdue at `now` (what is_overdue says, as a filter)."""
    return Q(status__in=OPEN_STATUSES, step_deadline__lt=now or timezone.now())


# The provisional deadlines in force change only when a deadline is set in late December or
# the calendar is entered: read them at most this often per process.
PROVISIONAL_RECHECK_SECONDS = 5
_provisional: tuple[float, frozenset] = (0.0, frozenset())


def _provisional_dues() -> frozenset:
    global _provisional
    read_at, dues = _provisional
    if time.monotonic() - read_at > PROVISIONAL_RECHECK_SECONDS:
        dues = frozenset(ProvisionalDeadline.objects.values_list("due", flat=True))
        _provisional = (time.monotonic(), dues)
    return dues


def forget_provisional_dues() -> None:
    global _provisional
    _provisional = (0.0, frozenset())


def provisional_year_of(deadline: dt.datetime | None) -> int | None:
    """The year whose provisional calendar a deadline shown on a page was counted on, or None.
    Only a deadline in a year with no known notice can be one; then it is one if a deadline
    set by the loop was recorded as provisional at that moment (services.deadlines), so a
    natural-time deadline in that year is not marked. No query outside such a year."""
    if deadline is None:
        return None
    year = timezone.localtime(deadline).year
    if not is_provisional_year(year) or deadline not in _provisional_dues():
        return None
    return year


def deadline_note(deadline: dt.datetime | None) -> str:
    """The words pages, the API, Open311 and webhooks add to a provisional deadline ("" if
    it is not one): 暂按常规工作周推算，待录入2027年放假安排后重算."""
    year = provisional_year_of(deadline)
    return provisional_note(year) if year else ""


def running_deadline(task: CaseTask) -> tuple[str, dt.datetime | None]:
    """(step, deadline) an order runs on now: its take-by while it waits, its handle-by while
    it is in hand; ("", None) otherwise."""
    if task.status == TaskStatus.DISPATCHED:
        return Step.TAKE, task.take_deadline
    if task.status == TaskStatus.TAKEN:
        return Step.HANDLE, task.handle_deadline
    return "", None


def exact_deadline_note(*, case: Case | None = None, task: CaseTask | None = None) -> str:
    """deadline_note for one case's step deadline (or one order's running deadline), decided
    by that case's own ProvisionalDeadline rows rather than by the moment alone: a chosen
    extension date or a natural-time deadline is never marked, and a deadline set a moment
    ago is. No query unless the deadline lies in a year with no known notice. For the pages
    and payloads of one case; lists use deadline_note."""
    if task is not None:
        step, deadline = running_deadline(task)
        case_id = task.case_id
        rows = Q(task_id=task.pk, step=step)
    else:
        step, deadline = case.step, case.step_deadline if case.is_open else None
        case_id = case.pk
        # The case's own clock, or the clock of the order it follows (take, handle).
        rows = Q(task=None, step=step) | Q(task__isnull=False, step=step)
    if deadline is None or not step:
        return ""
    year = timezone.localtime(deadline).year
    if not is_provisional_year(year):
        return ""
    found = ProvisionalDeadline.objects.filter(rows, case_id=case_id, due=deadline).exists()
    return provisional_note(year) if found else ""


# --- Work owed first: the centre's queue tabs and the handler's inbox filter ------------------


class QueueTab:
    """One tab of the centre's queue: the act owed (its key in the address), its label and
    the cases it holds. The act tabs hold the cases still on time and 超时 the overdue ones,
    so that each open case waits in one act tab or in 超时; 延期申请 holds every case with a
    pending extension request (a decision owed whatever the clock says)."""

    def __init__(self, key: str, label, q: Q, *, overdue: bool = False):
        self.key, self.label, self.q, self.overdue = key, label, q, overdue


# The tab that lists what the filters give, as the queue did before the tabs.
ALL_TAB = "all"


def _pending_extension_q() -> Q:
    return Q(
        pk__in=CaseTask.objects.filter(
            extension_status=ExtensionStatus.PENDING, status=TaskStatus.TAKEN
        ).values("case_id")
    )


def queue_tabs(now: dt.datetime) -> list[QueueTab]:
    """The acts the centre owes, in the order the tabs are shown."""
    on_time = ~Q(step_deadline__lt=now)
    return [
        QueueTab("reported", gettext_lazy("To accept"), Q(status=CaseStatus.REPORTED) & on_time),
        QueueTab(
            "dispatch",
            gettext_lazy("To dispatch"),
            # A case whose lead went (returned, objection upheld) waits for a new lead.
            (Q(status=CaseStatus.ACCEPTED) | Q(status=CaseStatus.DISPATCHED, step=Step.DISPATCH))
            & on_time,
        ),
        QueueTab("verify", gettext_lazy("To verify"), Q(status=CaseStatus.HANDLED) & on_time),
        QueueTab("close", gettext_lazy("To close"), Q(status=CaseStatus.VERIFIED) & on_time),
        QueueTab("extension", gettext_lazy("Extension requests"), _pending_extension_q()),
        QueueTab("overdue", gettext_lazy("Overdue"), overdue_q(now), overdue=True),
    ]


def queue_counts(cases: QuerySet[Case], tabs: list[QueueTab], now: dt.datetime) -> dict:
    """{tab key: (count, the deadline in that tab nearest to now)} in one aggregate."""
    expressions = {}
    for tab in tabs:
        expressions[f"{tab.key}_n"] = Count("id", filter=tab.q)
        expressions[f"{tab.key}_next"] = Min(
            "step_deadline", filter=tab.q & Q(step_deadline__gte=now)
        )
        expressions[f"{tab.key}_last"] = Max(
            "step_deadline", filter=tab.q & Q(step_deadline__lt=now)
        )
    row = cases.aggregate(**expressions)
    counts = {}
    for tab in tabs:
        near = [d for d in (row[f"{tab.key}_next"], row[f"{tab.key}_last"]) if d is not None]
        counts[tab.key] = (row[f"{tab.key}_n"], min(near, key=lambda d: abs(d - now), default=None))
    return counts


def default_queue_tab(tabs: list[QueueTab], counts: dict, now: dt.datetime) -> str:
    """The tab holding the deadline nearest to now (a case due in an hour before one missed a
    year ago); else the first tab with a case; else the first tab."""
    dated = [(abs(counts[t.key][1] - now), i) for i, t in enumerate(tabs) if counts[t.key][1]]
    if dated:
        return tabs[min(dated)[1]].key
    return next((t.key for t in tabs if counts[t.key][0]), tabs[0].key)


def queue_tab_cases(cases: QuerySet[Case], tab: QueueTab) -> QuerySet[Case]:
    """A tab's cases, the deadline nearest to now first: the soonest due for the act tabs,
    the most recently missed for 超时."""
    order = (
        (F("step_deadline").desc(nulls_last=True), "-reported_at", "-id")
        if tab.overdue
        else CASE_LIST_ORDER
    )
    return cases.filter(tab.q).order_by(*order)


# The handler's inbox filter: orders to take, orders in hand, both.
INBOX_FILTERS = ("waiting", "taken", "all")


def inbox_counts(actor) -> dict:
    """{filter: number of orders} of the actor's departments, in one aggregate."""
    row = inbox_for(actor).aggregate(
        waiting=Count("id", filter=Q(status=TaskStatus.DISPATCHED)),
        taken=Count("id", filter=Q(status=TaskStatus.TAKEN)),
        all=Count("id"),
    )
    return row


def inbox_list(actor, which: str) -> QuerySet[CaseTask]:
    """The inbox under a filter, the most urgent first: orders to take by their take-by
    (a new order's is the nearest), orders in hand by their handle-by; then the newest."""
    tasks = inbox_for(actor)
    if which == "waiting":
        return tasks.filter(status=TaskStatus.DISPATCHED).order_by(
            F("take_deadline").asc(nulls_last=True), "-dispatched_at", "-id"
        )
    if which == "taken":
        return tasks.filter(status=TaskStatus.TAKEN).order_by(
            F("handle_deadline").asc(nulls_last=True), "-dispatched_at", "-id"
        )
    return tasks.order_by(
        Coalesce("handle_deadline", "take_deadline").asc(nulls_last=True), "-dispatched_at", "-id"
    )
