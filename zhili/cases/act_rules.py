"""Who may do which act on a case, and when: one row per act (ACT_RULES).

Each row gives the case statuses the act starts from, the actor's relation to the case that
allows it (each relation names its capability), the order it applies to for a department's
acts, a further condition on the case or the order where the act has one, and the status it
leads to. The services call `check_act` (it raises the domain error of the first rule that
fails); the pages and the API offer an act when `may` says so (zhili/cases/offers.py). Both
read the same row, so what is offered is what the service accepts (tests/test_offers.py
walks random histories and checks exactly that).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    Case,
    CaseStatus,
    CaseTask,
    ExtensionStatus,
    ObjectionStatus,
    TaskStatus,
)
from zhili.core import permissions
from zhili.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from zhili.core.permissions import Cap

CS = CaseStatus
TS = TaskStatus
OPEN = frozenset({CS.REPORTED, CS.ACCEPTED, CS.DISPATCHED, CS.HANDLED, CS.VERIFIED, CS.ON_HOLD})
# Before the departments have reported back.
UNHANDLED = frozenset({CS.REPORTED, CS.ACCEPTED, CS.DISPATCHED, CS.ON_HOLD})


# --- The actor's relations to a case ----------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """One way an actor may stand to a case. `holds(actor, case)` says whether they do;
    `refusal` is the error for one who does not ("not found" where the case or the order
    must look as if it did not exist to them)."""

    name: str
    holds: Callable[..., bool]
    refusal: type[DomainError] = Forbidden


def _centre(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_DISPATCH, case.place_path)


def _verifier(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_VERIFY, case.place_path)


def _street(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_COORDINATE, case.place_path)


def _street_coordinating(actor, case: Case) -> bool:
    return case.coordinated and _street(actor, case)


def _handler(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_HANDLE, case.place_path)


def _reporter(actor, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == getattr(actor, "pk", None)


CENTRE = Relation("centre over the case's place (cases.dispatch)", _centre)
VERIFIER = Relation("verifier over the case's place (cases.verify)", _verifier)
STREET = Relation("street coordinator over the case's place (cases.coordinate)", _street)
STREET_COORDINATING = Relation(
    "street coordinator of a coordinated case (cases.coordinate)", _street_coordinating
)
# A department's act: the order must be one of the actor's departments' (checked with it).
HANDLER = Relation("handler of the order's department (cases.handle)", _handler)
REPORTER = Relation("the case's reporter", _reporter, NotFound)


# --- Conditions beyond the status ---------------------------------------------------------------
# Each takes (case, task) and returns the error that refuses the act, or None.


def _not_coordinated(case: Case, task) -> DomainError | None:
    if case.coordinated:
        return Conflict(_("The street coordinates this case already."))
    return None


def _not_rated(case: Case, task) -> DomainError | None:
    if case.rating:
        return InvalidInput(fields={"rating": [_("This case has been rated already.")]})
    return None


def reopen_days() -> int:
    return getattr(settings, "CASE_REOPEN_DAYS", 7)


def _within_reopen_window(case: Case, task) -> DomainError | None:
    days = reopen_days()
    if case.closed_at is None or timezone.now() > case.closed_at + dt.timedelta(days=days):
        return InvalidInput(
            fields={
                "reason": [
                    _("A case can be reopened within %(n)d days of its closure.") % {"n": days}
                ]
            }
        )
    return None


def _no_extension_pending(case: Case, task: CaseTask) -> DomainError | None:
    if task.extension_status == ExtensionStatus.PENDING:
        return Conflict(_("This order already has a request for more time awaiting the centre."))
    return None


def _extension_pending(case: Case, task: CaseTask) -> DomainError | None:
    if task.extension_status != ExtensionStatus.PENDING:
        return Conflict(_("This order has no request for more time awaiting the centre."))
    return None


def _free_to_answer(case: Case, task: CaseTask) -> DomainError | None:
    """Take, return or object: not while an objection awaits the centre; after the centre
    kept the order the department takes it (no return, no second objection)."""
    if task.objection_status == ObjectionStatus.PENDING:
        return Conflict(_("The centre has not decided on this order's objection yet."))
    return None


def _may_still_object(case: Case, task: CaseTask) -> DomainError | None:
    if task.objection_status == ObjectionStatus.KEPT:
        return Conflict(_("The centre kept this order with the department: take it."))
    return _free_to_answer(case, task)


def _objection_pending(case: Case, task: CaseTask) -> DomainError | None:
    if task.objection_status != ObjectionStatus.PENDING:
        return Conflict(_("This order has no objection awaiting the centre."))
    return None


# --- The table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActRule:
    """One act: where it starts, who may, on which order, on what condition, where it leads
    (`target` empty: the status stays; "*" where the act decides among several)."""

    name: str
    statuses: frozenset
    relations: tuple[Relation, ...]
    target: str = ""
    # A department's act on its own order, or the centre's on an order of the case: the
    # order's statuses it applies to (empty: an act on the case alone).
    task_statuses: frozenset = frozenset()
    condition: Callable[..., DomainError | None] | None = None

    @property
    def on_task(self) -> bool:
        return bool(self.task_statuses)

    @property
    def by_department(self) -> bool:
        return HANDLER in self.relations


def _rule(name, statuses, relations, target="", tasks=(), condition=None) -> ActRule:
    return ActRule(name, frozenset(statuses), tuple(relations), target, frozenset(tasks), condition)


ACT_RULES: dict[str, ActRule] = {
    rule.name: rule
    for rule in [
        _rule("accept", {CS.REPORTED}, [CENTRE], CS.ACCEPTED),
        _rule("reject", {CS.REPORTED}, [CENTRE], CS.REJECTED),
        _rule("dispatch", {CS.ACCEPTED}, [CENTRE, STREET_COORDINATING], CS.DISPATCHED),
        # 改派: the case stays with the departments, under a new lead (services/reassignment).
        _rule("reassign", {CS.DISPATCHED}, [CENTRE, STREET_COORDINATING]),
        _rule("take", {CS.DISPATCHED}, [HANDLER], "", {TS.DISPATCHED}, _free_to_answer),
        _rule("return", {CS.DISPATCHED}, [HANDLER], "*", {TS.DISPATCHED}, _may_still_object),
        # 派单异议: the department objects, the centre keeps the order or takes it back.
        _rule("object", {CS.DISPATCHED}, [HANDLER], "", {TS.DISPATCHED}, _may_still_object),
        _rule(
            "decide_objection", {CS.DISPATCHED}, [CENTRE], "*", {TS.DISPATCHED}, _objection_pending
        ),
        _rule("handle", {CS.DISPATCHED}, [HANDLER], "*", {TS.TAKEN}),
        _rule("extension", {CS.DISPATCHED}, [HANDLER], "", {TS.TAKEN}, _no_extension_pending),
        _rule("grant_extension", {CS.DISPATCHED}, [CENTRE], "", {TS.TAKEN}, _extension_pending),
        _rule("refuse_extension", {CS.DISPATCHED}, [CENTRE], "", {TS.TAKEN}, _extension_pending),
        _rule("verify", {CS.HANDLED}, [VERIFIER], CS.VERIFIED),
        _rule("rework", {CS.HANDLED, CS.VERIFIED}, [VERIFIER], CS.DISPATCHED),
        _rule("close", {CS.VERIFIED}, [CENTRE], CS.CLOSED),
        _rule("rate", {CS.CLOSED}, [REPORTER], "", (), _not_rated),
        _rule("hold", {CS.ACCEPTED, CS.DISPATCHED}, [CENTRE], CS.ON_HOLD),
        _rule("void", UNHANDLED, [CENTRE], CS.VOIDED),
        _rule("recategorise", UNHANDLED, [CENTRE], "*"),
        _rule(
            "coordinate",
            {CS.REPORTED, CS.ACCEPTED, CS.DISPATCHED},
            [CENTRE, STREET],
            "",
            (),
            _not_coordinated,
        ),
        _rule("merge", UNHANDLED, [CENTRE], CS.VOIDED),
        # The surviving case of a merge (checked on it; never offered on its own).
        _rule("merge_into", OPEN, [CENTRE]),
        _rule("resume", {CS.ON_HOLD}, [CENTRE], CS.ACCEPTED),
        _rule("reopen", {CS.CLOSED}, [REPORTER], CS.ACCEPTED, (), _within_reopen_window),
    ]
}


def _status_refusal(case: Case) -> Conflict:
    return Conflict(
        _("This cannot be done now: the %(what)s is “%(current)s”.")
        % {"what": _("case"), "current": dict(CaseStatus.choices).get(case.status, case.status)}
    )


def refusal(actor, act: str, case: Case, task: CaseTask | None = None) -> DomainError | None:
    """Why `actor` may not do `act` on `case` (on its order `task`, for an act on an order)
    now, as the error the service raises; None when the row allows it. In this order: the
    relation (forbidden, or not found for another's case or order), the case's status, the
    order's status, the condition."""
    rule = ACT_RULES[act]
    holding = [r for r in rule.relations if r.holds(actor, case)]
    if not holding:
        return rule.relations[0].refusal()
    if rule.on_task:
        if task is None or task.case_id != case.pk:
            return NotFound()
        if rule.by_department and task.department_id not in permissions.department_ids(actor):
            return NotFound()  # another department's order: as if it did not exist
    if case.status not in rule.statuses:
        return _status_refusal(case)
    if rule.on_task and task.status not in rule.task_statuses:
        return Conflict(
            _("This cannot be done now: the %(what)s is “%(current)s”.")
            % {
                "what": _("department task"),
                "current": dict(TaskStatus.choices).get(task.status, task.status),
            }
        )
    if rule.condition is not None:
        return rule.condition(case, task)
    return None


def refuse_unless_open(case: Case) -> None:
    """Photos are added to an open case (services.photos, whose own rules say who may)."""
    if case.status not in OPEN:
        raise _status_refusal(case)


def check_act(actor, act: str, case: Case, task: CaseTask | None = None) -> None:
    """The one check every act's service makes, on the locked case (and order): raises the
    error `refusal` names."""
    error = refusal(actor, act, case, task)
    if error is not None:
        raise error


def candidate_tasks(actor, act: str, case: Case) -> list[CaseTask]:
    """The orders of `case` an act on an order could apply to for `actor` (the actor's
    departments' for a department's act, any for the centre's), read through
    case.tasks.all() so that a page that prefetched them asks nothing more."""
    rule = ACT_RULES[act]
    tasks = list(case.tasks.all())
    if rule.by_department:
        mine = permissions.department_ids(actor)
        tasks = [t for t in tasks if t.department_id in mine]
    return [t for t in tasks if t.status in rule.task_statuses]


def may(actor, act: str, case: Case) -> bool:
    """Whether the row lets `actor` do `act` on `case` now (on one of its orders, for an act
    on an order): what the pages and the API offer."""
    if not ACT_RULES[act].on_task:
        return refusal(actor, act, case) is None
    return any(refusal(actor, act, case, t) is None for t in candidate_tasks(actor, act, case))
