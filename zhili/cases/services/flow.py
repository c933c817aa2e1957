"""The loop after the whistle: accept or reject, dispatch, take or return, handle, verify,
close, rate; and hold and void. One function per act: it locks the case, checks the act
against its row of zhili/cases/act_rules.py (who may, from which status), refuses a move the
state tables lack, and writes the timeline entry and the audit record."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    Case,
    CaseStatus,
    CaseTask,
    PhotoKind,
    Rating,
    Step,
    TaskRole,
    TaskStatus,
)
from zhili.cases.selectors import lead_for
from zhili.cases.services.checks import case_for_act, order_for_act
from zhili.cases.services.common import (
    cancel_live_tasks,
    due,
    follow_task_clocks,
    live_tasks,
    move_case,
    move_task,
    need_reason,
    record_step,
)
from zhili.cases.services.deadlines import note_deadline
from zhili.cases.services.photos import prepare_photos, store_photos
from zhili.core.errors import InvalidInput
from zhili.orgs.models import Department
from zhili.orgs.selectors import serving_ids


@transaction.atomic
def accept_case(*, actor, case: Case, version: int | None = None) -> Case:
    """Accept a reported case (立案). Who may: the centre (cases.dispatch) over its place."""
    case = case_for_act(actor, "accept", case, version)
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
    case = case_for_act(actor, "reject", case, version)
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


def departments_for(
    case: Case, lead: Department | None, co_departments: tuple[Department, ...] = ()
) -> list[Department]:
    """The lead then the co-departments, checked: each serves the case's place, once.
    Raises InvalidInput on "lead" (none, or not serving) and "co_departments"."""
    if lead is None:
        raise InvalidInput(fields={"lead": [_("Choose the lead department.")]})
    errors = {}
    if lead in co_departments:  # said, not silently dropped: the dispatcher meant something
        errors["co_departments"] = [
            _("%(dept)s leads this case; it cannot also assist.") % {"dept": lead.name}
        ]
    departments = [lead, *[d for d in co_departments if d != lead]]
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
    return departments


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
    case = case_for_act(actor, "dispatch", case, version)
    if lead is None:
        lead = lead_for(case.category, case.place)
    departments = departments_for(case, lead, co_departments)
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


def refresh_clock(
    actor,
    case: Case,
    *,
    action: str,
    task: CaseTask | None,
    note: str = "",
    changes: dict | None = None,
    cancelled: list[CaseTask] = (),
) -> None:
    """After orders moved: move the case on if all its live orders agree, else reset its
    clock; write the case's timeline either way.

    - No live order left (every department returned its order, or was taken off): back to
      the centre (accepted) to dispatch afresh.
    - No live lead order (the lead returned, or its objection was upheld) while others work
      on: the case stays with them, but on the centre's dispatch clock until it reassigns a
      lead (reassign_case). It is never handled without a lead.
    - Every live order handled: handled, on the verify clock; the verify-and-close clock
      (close_deadline) starts too.
    - Else the earliest pending deadline of the orders."""
    live = live_tasks(case)
    now = timezone.now()
    said = {
        "action": action,
        "task": task,
        "note": note,
        "changes": changes,
        "cancelled": cancelled,
    }
    fields = {}
    if live and not any(t.role == TaskRole.LEAD for t in live):
        to = None
        if case.step != Step.DISPATCH:  # else its dispatch clock runs on
            case.step = Step.DISPATCH
            case.step_deadline = due(case.category, case.urgency, Step.DISPATCH, now)
            fields = {"step": Step.DISPATCH}
    elif not live:
        to, step = CaseStatus.ACCEPTED, Step.DISPATCH
    elif all(t.status == TaskStatus.HANDLED for t in live):
        to, step = CaseStatus.HANDLED, Step.VERIFY
        fields["close_deadline"] = due(case.category, case.urgency, Step.CLOSE, now)
    else:
        to = None
        follow_task_clocks(case, live)
    if to is not None:
        move_case(
            actor=actor,
            case=case,
            to=to,
            step=step,
            step_deadline=due(case.category, case.urgency, step, now),
            **said,
            **fields,
        )
        note_deadline(case=case, step=step, start=now, due_at=case.step_deadline)
        return
    case.version += 1
    case.save()
    record_step(actor=actor, case=case, from_status=case.status, to_status=case.status, **said)
    if fields.get("step") == Step.DISPATCH:
        note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)


@transaction.atomic
def take_task(*, actor, task: CaseTask) -> CaseTask:
    """Take a department's order (接单). Who may: a handler of that department. Two handlers
    at once: the first takes it, the second is told it changed (Conflict)."""
    task, case = order_for_act(actor, "take", task)
    move_task(task, TaskStatus.TAKEN)
    now = timezone.now()
    task.taken_at, task.taken_by = now, actor
    task.handle_deadline = due(case.category, case.urgency, Step.HANDLE, now)
    task.save()
    note_deadline(case=case, task=task, step=Step.HANDLE, start=now, due_at=task.handle_deadline)
    refresh_clock(actor, case, action="take", task=task)
    return task


@transaction.atomic
def return_task(*, actor, task: CaseTask, reason: str) -> CaseTask:
    """Return an order as not the department's remit (退单), with the reason; when no
    department is left on the case it goes back to the centre to be re-dispatched."""
    task, case = order_for_act(actor, "return", task)
    reason = need_reason(reason)
    move_task(task, TaskStatus.RETURNED)
    task.returned_at, task.return_reason = timezone.now(), reason
    task.save()
    refresh_clock(actor, case, action="return", task=task, note=reason)
    return task


@transaction.atomic
def handle_task(*, actor, task: CaseTask, result: str, photos=()) -> CaseTask:
    """Report the order handled (办结) with what was done and, optionally, evidence photos
    (checked before anything is written; a bad one is a field error on "photos")."""
    task, case = order_for_act(actor, "handle", task)
    if not (result or "").strip():  # what was done, not a reason
        raise InvalidInput(fields={"result": [_("Say what was done (办理情况).")]})
    result = need_reason(result, "result")
    move_task(task, TaskStatus.HANDLED)
    prepared = prepare_photos(photos)
    task.handled_at, task.result = timezone.now(), result
    task.save()
    store_photos(actor=actor, case=case, photos=prepared, kind=PhotoKind.EVIDENCE, task=task)
    refresh_clock(actor, case, action="handle", task=task, note=result)
    return task


@transaction.atomic
def verify_case(
    *, actor, case: Case, passed: bool, note: str = "", version: int | None = None
) -> Case:
    """The on-the-spot check (核查) by the grid officer or the centre: passed, the handled case
    awaits closure; not passed (a handled case, or a verified one before closure), every
    handled or verified task goes back to its department as rework (返工)."""
    case = case_for_act(actor, "verify" if passed else "rework", case, version)
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
        close_deadline=None,  # counted again from the next report of its handling
        step=Step.HANDLE,
        step_deadline=handle_by,
    )
    return case


@transaction.atomic
def close_case(*, actor, case: Case, version: int | None = None) -> Case:
    """Close a verified case (结案). Who may: the centre."""
    case = case_for_act(actor, "close", case, version)
    move_case(
        actor=actor, case=case, to=CaseStatus.CLOSED, action="close", closed_at=timezone.now()
    )
    return case


@transaction.atomic
def rate_case(*, actor, case: Case, rating: str, comment: str = "") -> Case:
    """The reporter's verdict on a closed case (满意/基本满意/不满意), once. Who may: the
    reporter. A 不满意 needs a reason (a field error on "comment"); raises InvalidInput."""
    case = case_for_act(actor, "rate", case)
    if rating not in Rating.values:
        labels = [str(label) for label in Rating.labels]
        raise InvalidInput(
            fields={"rating": [_("Choose one of: %(choices)s.") % {"choices": " / ".join(labels)}]}
        )
    comment = (comment or "").strip()[:1000]
    if rating == Rating.DISSATISFIED and not comment:  # a return visit asks why
        raise InvalidInput(fields={"comment": [_("Say why you are dissatisfied.")]})
    case.rating, case.rating_comment = rating, comment
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
        at=case.rated_at,  # the timeline shows the level on the entry of the current rating
    )
    return case


@transaction.atomic
def hold_case(
    *, actor, case: Case, reason: str, review_on: dt.date, version: int | None = None
) -> Case:
    """Put a case that cannot be solved for now on hold (挂账) until a review date; its live
    orders are cancelled (on resuming, the centre dispatches afresh)."""
    case = case_for_act(actor, "hold", case, version)
    reason = need_reason(reason)
    if not isinstance(review_on, dt.date) or review_on <= timezone.localdate():
        raise InvalidInput(fields={"review_on": [_("Choose a review date after today.")]})
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
    case = case_for_act(actor, "void", case, version)
    reason = need_reason(reason)
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
