"""The centre's corrections and the ways back to it: re-categorise, reopen (the reporter) and
resume from hold. Like flow.py: one function per act, the case locked, the act checked
against its row of zhili/cases/act_rules.py, one timeline entry and audit record."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.act_rules import check_act
from zhili.cases.models import Case, CaseStatus, Category, Step
from zhili.cases.services.common import (
    cancel_live_tasks,
    due,
    lock_case,
    move_case,
    need_reason,
    touch_case,
)
from zhili.cases.services.deadlines import note_deadline
from zhili.core.errors import InvalidInput


@transaction.atomic
def recategorise_case(
    *, actor, case: Case, category: Category, note: str = "", version: int | None = None
) -> Case:
    """Change a case's category (the centre, cases.dispatch). A reported or accepted case
    restarts its accept or dispatch clock on the new category's limits; a dispatched case has
    its live orders cancelled and returns to the centre (accepted) to be re-routed. Refused
    once the departments have handled it."""
    case = lock_case(case, version)
    check_act(actor, "recategorise", case)
    if not isinstance(category, Category) or not category.is_active:
        raise InvalidInput(fields={"category": [_("Choose a category from the list.")]})
    if category.pk == case.category_id:
        raise InvalidInput(fields={"category": [_("This is the case's category already.")]})
    note = (note or "").strip()[:2000]
    changes = {"category": [str(case.category), str(category)]}
    case.category = category
    now = timezone.now()
    if case.status == CaseStatus.DISPATCHED:
        cancelled = cancel_live_tasks(case)
        move_case(
            actor=actor,
            case=case,
            to=CaseStatus.ACCEPTED,
            action="recategorise",
            cancelled=cancelled,
            note=note,
            changes=changes,
            step=Step.DISPATCH,
            step_deadline=due(category, case.urgency, Step.DISPATCH, now),
        )
        note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
        return case
    if case.status == CaseStatus.REPORTED:
        case.step_deadline = due(category, case.urgency, Step.ACCEPT, now)
    elif case.status == CaseStatus.ACCEPTED:
        case.step_deadline = due(category, case.urgency, Step.DISPATCH, now)
    touch_case(actor=actor, case=case, action="recategorise", note=note, changes=changes)
    note_deadline(case=case, step=case.step, start=now, due_at=case.step_deadline)
    return case


@transaction.atomic
def reopen_case(*, actor, case: Case, reason: str, version: int | None = None) -> Case:
    """The reporter finds a closed case not fixed: within CASE_REOPEN_DAYS of its closure it
    returns to the centre (accepted) as rework, its orders closed and its rating cleared so
    that it can be rated again. Who may: the case's reporter (anyone else: not found).
    Raises InvalidInput on "reason" without a reason or after the window."""
    case = lock_case(case, version)
    check_act(actor, "reopen", case)  # the reporter, within CASE_REOPEN_DAYS of closure
    reason = need_reason(reason)
    now = timezone.now()
    # The verified orders of the round that did not fix it.
    cancelled = cancel_live_tasks(case)
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ACCEPTED,
        action="reopen",
        cancelled=cancelled,
        note=reason,
        changes={"rating": [case.rating or None, None]} if case.rating else None,
        rework_count=case.rework_count + 1,
        closed_at=None,
        rating="",
        rating_comment="",
        rated_at=None,
        close_deadline=None,
        step=Step.DISPATCH,
        step_deadline=due(case.category, case.urgency, Step.DISPATCH, now),
    )
    note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
    return case


@transaction.atomic
def resume_case(*, actor, case: Case, note: str = "", version: int | None = None) -> Case:
    """Take a case off hold (挂账) on review: back to the centre (accepted) with a fresh
    dispatch clock. Who may: the centre (cases.dispatch) over the case's place."""
    case = lock_case(case, version)
    check_act(actor, "resume", case)
    cancelled = cancel_live_tasks(case)
    now = timezone.now()
    move_case(
        actor=actor,
        case=case,
        to=CaseStatus.ACCEPTED,
        action="resume",
        cancelled=cancelled,
        note=(note or "").strip()[:2000],
        hold_until=None,
        step=Step.DISPATCH,
        step_deadline=due(case.category, case.urgency, Step.DISPATCH, now),
    )
    note_deadline(case=case, step=Step.DISPATCH, start=now, due_at=case.step_deadline)
    return case
