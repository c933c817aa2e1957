"""Open311 reads: the services, the public service requests and where a request lies.

What is public: the cases filed through Open311 (docs/open311.md, "What GET shows"). Cases
reported on Zhili's own pages, by couriers, grid officers and the centre, stay inside.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Length

from zhili.audit.models import AuditRecord
from zhili.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, CaseTask, Category
from zhili.open311.models import Submission
from zhili.places.models import Place

# How far a chain of merges is followed (a case merged into one merged in turn …).
MERGE_HOPS = 3


def services() -> QuerySet[Category]:
    """The active categories, as Open311 services."""
    return Category.objects.filter(is_active=True).select_related("parent").order_by("code")


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def public_cases() -> QuerySet[Case]:
    return Case.objects.filter(open311__isnull=False)


def with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a request's representation reads, in a fixed number of queries: the category,
    the place, the Submission, the departments' tasks and the time of the latest event."""
    latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    return (
        cases.select_related("category", "place", "open311")
        .prefetch_related(
            Prefetch("tasks", queryset=CaseTask.objects.select_related("department").order_by("id"))
        )
        .annotate(last_event_at=Subquery(latest))
    )


def survivors(cases) -> dict[int, Case]:
    """For each of `cases` (loaded by with_details), the case it is followed as: the case it
    was merged into (through up to MERGE_HOPS merges), loaded as with_details does, or itself
    when it was not merged. One query per hop, however many cases were merged."""
    found = {case.pk: case for case in cases}
    for _ in range(MERGE_HOPS):
        merged = {pk: c.merged_into_id for pk, c in found.items() if c.merged_into_id}
        if not merged:
            break
        into = {c.pk: c for c in with_details(Case.objects.filter(pk__in=set(merged.values())))}
        for pk, target in merged.items():
            found[pk] = into.get(target, found[pk])
    return found


def is_public(case: Case) -> bool:
    """Whether `case` itself is public (filed through Open311): see public_cases."""
    return getattr(case, "open311", None) is not None


def submission_for_token(token: str) -> Submission | None:
    return Submission.objects.select_related("case").filter(token=token).first()


def services_changed_at():
    """When the services last changed: the latest audited change to a category (admin)."""
    return (
        AuditRecord.objects.filter(content_type=ContentType.objects.get_for_model(Category))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def open_q() -> Q:
    """The cases GeoReport calls open: an open case, or one merged (through up to MERGE_HOPS
    merges) into an open case, exactly as mapping.status_of decides."""
    q = Q(status__in=OPEN_STATUSES)
    prefix = ""
    for _ in range(MERGE_HOPS):
        q |= Q(**{f"{prefix}status": CaseStatus.VOIDED}) & Q(
            **{f"{prefix}merged_into__status__in": OPEN_STATUSES}
        )
        prefix += "merged_into__"
    return q


def place_for_code(code: str) -> Place | None:
    """A place by its code: GeoReport's address_id is Zhili's place code."""
    return Place.objects.filter(code=code.strip()).first()


def place_for_address(text: str) -> Place | None:
    """The most specific place whose name the address names (翠平社区… → 翠平社区); else the
    only top place (the city), where the centre will locate it; else None."""
    text = (text or "").strip()
    if text:
        named = (
            Place.objects.alias(address=Value(text), name_length=Length("name"))
            .filter(address__contains=F("name"))
            .order_by("-depth", "-name_length", "path")
            .first()
        )
        if named is not None:
            return named
    tops = list(Place.objects.filter(parent__isnull=True)[:2])
    return tops[0] if len(tops) == 1 else None
