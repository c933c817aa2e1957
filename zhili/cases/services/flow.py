"""The loop after the whistle: accept or reject, dispatch, take or return, handle, verify,
close, rate; and hold and void. One function per act: it locks the case, checks the actor's
role and place (zhili.core.permissions), refuses a move the state tables lack, and writes the
timeline entry and the audit record."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    CASE_TRANSITIONS,
    Case,
    CaseStatus,
    CaseTask,
    PhotoKind,
    Rating,
    Step,
    TaskRole,
    TaskStatus,
    refuse_unless_act_allowed,
    refuse_unless_allowed,
)
from zhili.cases.selectors import lead_for
from zhili.cases.services.common import (
    cancel_live_tasks,
    due,
    follow_task_clocks,
    live_tasks,
    lock_case,
    move_case,
    move_task,
    need_reason,
    record_step,
    task_for_handler,
    touch_case,
)
from zhili.cases.services.deadlines import note_deadline
from zhili.cases.services.photos import prepare_photos, store_photos
from zhili.core import permissions
from zhili.core.errors import Forbidden, InvalidInput, NotFound
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.orgs.selectors import serving_ids


@transaction.atomic
def accept_case(*, actor, case: Case, version: int | None = None) -> Case:
    """Accept a reported case (立案). Who may: the centre (cases.dispatch) over its place."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    refuse_unless_act_allowed("accept", case.status)
    now = timezone.now()
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ACCEPTED,
        action="accept",
        accepted_at=now,
        step=Step.DISPATCH,
        step_deadline=due(case.category, case.urgency, Step.DISPATCH, now),
    )
    note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
    return case


@transaction.atomic
def reject_case(*, actor, case: Case, reason: str, version: int | None = None) -> Case:
    """Refuse a report (不予受理), with a reason the reporter will read."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    reason = need_reason(reason)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.REJECTED,
        action="reject",
        note=reason,
        reason=reason,
        step="",
        step_deadline=None,
        closed_at=timezone.now(),
    )
    return case


@transaction.atomic
def dispatch_case(
    *,
    actor,
    case: Case,
    lead: Department | None = None,
    co_departments: tuple[Department, ...] = (),
    version: int | None = None,
) -> Case:
    """Send an accepted case to its lead department and any co-departments, each a task with
    its own clock. Without `lead`, the category's route for the case's place (lead_for).
    Who may: the centre; for a coordinated case, the street coordinator too."""
    case = lock_case(case, version)
    if not (
        permissions.can(actor, Cap.CASES_DISPATCH, case.place_path)
        or (case.coordinated and permissions.can(actor, Cap.CASES_COORDINATE, case.place_path))
    ):
        raise Forbidden()
    refuse_unless_act_allowed("dispatch", case.status)
    if lead is None:
        lead = lead_for(case.category, case.place)
        if lead is None:
            raise InvalidInput(fields={"lead": [_("Choose the lead department.")]})
    departments = [lead, *[d for d in co_departments if d != lead]]
    errors = {}
    serving = serving_ids(case.place_path, departments)
    for field, department in zip(
        ["lead"] + ["co_departments"] * len(co_departments), departments, strict=False
    ):
        if department.pk not in serving:
            errors.setdefault(field, []).append(
                _("%(dept)s does not serve this place.") % {"dept": department.name}
            )
    if len({d.pk for d in departments}) != len(departments):
        errors.setdefault("co_departments", []).append(_("Name each department once."))
    if errors:
        raise InvalidInput(fields=errors)
    now = timezone.now()
    take_by = due(case.category, case.urgency, Step.TAKE, now)
    for department in departments:
        task = CaseTask.objects.create(
            case=case,
            department=department,
            dispatched_at=now,
            take_deadline=take_by,
            role=TaskRole.LEAD if department == lead else TaskRole.CO,
        )
        note_deadline(case=case, task=task, step=Step.TAKE, start=now, due_at=take_by)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.DISPATCHED,
        action="dispatch",
        step=Step.TAKE,
        step_deadline=take_by,
        changes={"departments": [None, "、".join(d.short_name for d in departments)]},
    )
    return case


def _refresh_clock(actor, case: Case, *, action: str, task: CaseTask, note: str = "") -> None:
    """After a task moved: move the case on if all its live tasks agree, else reset its clock
    to the earliest pending deadline; write the case's timeline either way."""
    live = live_tasks(case)
    if not live:  # every department returned its order: back to the centre to re-dispatch
        onward = (CaseStatus.ACCEPTED, Step.DISPATCH)
    elif all(t.status == TaskStatus.HANDLED for t in live):
        onward = (CaseStatus.HANDLED, Step.VERIFY)
    else:
        onward = None
    if onward is not None:
        to, step = onward
        now = timezone.now()
        move_case(
            actor=actor,
            case=case,
            to=to,
            action=action,
            task=task,
            note=note,
            step=step,
            step_deadline=due(case.category, case.urgency, step, now),
        )
        note_deadline(case=case, step=step, start=now, due_at=case.step_deadline)
        return
    follow_task_clocks(case, live)
    touch_case(actor=actor, case=case, action=action, task=task, note=note)


@transaction.atomic
def take_task(*, actor, task: CaseTask) -> CaseTask:
    """Take a department's order (接单). Who may: a handler of that department. Two handlers
    at once: the first takes it, the second is told it changed (Conflict)."""
    task, case = task_for_handler(actor, task)
    move_task(task, TaskStatus.TAKEN)
    now = timezone.now()
    task.taken_at, task.taken_by = now, actor
    task.handle_deadline = due(case.category, case.urgency, Step.HANDLE, now)
    task.save()
    note_deadline(case=case, task=task, step=Step.HANDLE, start=now, due_at=task.handle_deadline)
    _refresh_clock(actor, case, action="take", task=task)
    return task


@transaction.atomic
def return_task(*, actor, task: CaseTask, reason: str) -> CaseTask:
    """Return an order as not the department's remit (退单), with the reason; when no
    department is left on the case it goes back to the centre to be re-dispatched."""
    task, case = task_for_handler(actor, task)
    reason = need_reason(reason)
    move_task(task, TaskStatus.RETURNED)
    task.returned_at, task.return_reason = timezone.now(), reason
    task.save()
    _refresh_clock(actor, case, action="return", task=task, note=reason)
    return task


@transaction.atomic
def handle_task(*, actor, task: CaseTask, result: str, photos=()) -> CaseTask:
    """Report the order handled (办结) with what was done and, optionally, evidence photos
    (checked before anything is written; a bad one is a field error on "photos")."""
    task, case = task_for_handler(actor, task)
    result = need_reason(result, "result")
    move_task(task, TaskStatus.HANDLED)
    prepared = prepare_photos(photos)
    task.handled_at, task.result = timezone.now(), result
    task.save()
    store_photos(actor=actor, case=case, photos=prepared, kind=PhotoKind.EVIDENCE, task=task)
    _refresh_clock(actor, case, action="handle", task=task, note=result)
    return task


@transaction.atomic
def verify_case(
    *, actor, case: Case, passed: bool, note: str = "", version: int | None = None
) -> Case:
    """The on-the-spot check (核查) by the grid officer or the centre: passed, the handled case
    awaits closure; not passed (a handled case, or a verified one before closure), every
    handled or verified task goes back to its department as rework (返工)."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_VERIFY, case.place_path)
    refuse_unless_act_allowed("verify" if passed else "rework", case.status)
    tasks = list(
        case.tasks.select_for_update().filter(status__in=[TaskStatus.HANDLED, TaskStatus.VERIFIED])
    )
    if passed:
        move_case(
            actor=actor,
            case=case,
            to=CaseStatus.VERIFIED,
            action="verify",
            note=note,
            step="",
            step_deadline=None,
        )
        for task in tasks:
            move_task(task, TaskStatus.VERIFIED)
            task.save(update_fields=["status"])
        return case
    note = need_reason(note, "note")
    now = timezone.now()
    handle_by = due(case.category, case.urgency, Step.HANDLE, now)
    for task in tasks:
        move_task(task, TaskStatus.TAKEN)
        task.rework_count += 1
        task.handle_deadline = handle_by
        task.save(update_fields=["status", "rework_count", "handle_deadline"])
        note_deadline(case=case, task=task, step=Step.HANDLE, start=now, due_at=handle_by)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.DISPATCHED,
        action="rework",
        note=note,
        rework_count=case.rework_count + 1,
        step=Step.HANDLE,
        step_deadline=handle_by,
    )
    return case


@transaction.atomic
def close_case(*, actor, case: Case, version: int | None = None) -> Case:
    """Close a verified case (结案). Who may: the centre."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    move_case(
        actor=actor, case=case, to=CaseStatus.CLOSED, action="close", closed_at=timezone.now()
    )
    return case


@transaction.atomic
def rate_case(*, actor, case: Case, rating: str, comment: str = "") -> Case:
    """The reporter's verdict on a closed case (满意/基本满意/不满意), once."""
    case = lock_case(case)
    if case.reporter_id is None or case.reporter_id != getattr(actor, "pk", None):
        raise NotFound()
    errors = {}
    if case.status != CaseStatus.CLOSED:
        errors["rating"] = [_("A case is rated once it is closed.")]
    elif case.rating:
        errors["rating"] = [_("This case has been rated already.")]
    elif rating not in Rating.values:
        labels = [str(label) for label in Rating.labels]
        errors["rating"] = [_("Choose one of: %(choices)s.") % {"choices": " / ".join(labels)}]
    if errors:
        raise InvalidInput(fields=errors)
    case.rating, case.rating_comment = rating, (comment or "").strip()[:1000]
    case.rated_at = timezone.now()
    case.version += 1
    case.save(update_fields=["rating", "rating_comment", "rated_at", "version"])
    record_step(
        actor=actor,
        case=case,
        action="rate",
        from_status=case.status,
        to_status=case.status,
        note=case.rating_comment,
        changes={"rating": [None, rating]},
    )
    return case


@transaction.atomic
def hold_case(
    *, actor, case: Case, reason: str, review_on: dt.date, version: int | None = None
) -> Case:
    """Put a case that cannot be solved for now on hold (挂账) until a review date; its live
    orders are cancelled (on resuming, the centre dispatches afresh)."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    reason = need_reason(reason)
    if not isinstance(review_on, dt.date) or review_on <= timezone.localdate():
        raise InvalidInput(fields={"review_on": [_("Choose a review date after today.")]})
    refuse_unless_allowed(CASE_TRANSITIONS, case.status, CaseStatus.ON_HOLD, _("case"))
    cancelled = cancel_live_tasks(case)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ON_HOLD,
        action="hold",
        cancelled=cancelled,
        note=reason,
        reason=reason,
        hold_until=review_on,
        step="",
        step_deadline=None,
    )
    return case


@transaction.atomic
def void_case(*, actor, case: Case, reason: str, version: int | None = None) -> Case:
    """Void a case filed in error (作废); its live tasks are cancelled."""
    case = lock_case(case, version)
    permissions.require(actor, Cap.CASES_DISPATCH, case.place_path)
    reason = need_reason(reason)
    refuse_unless_allowed(CASE_TRANSITIONS, case.status, CaseStatus.VOIDED, _("case"))
    cancelled = cancel_live_tasks(case)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.VOIDED,
        action="void",
        cancelled=cancelled,
        note=reason,
        reason=reason,
        step="",
        step_deadline=None,
    )
    return case
