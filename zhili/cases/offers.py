"""The acts a person may take on a case, as one table that the case page and the API share.

Each act names the service it calls, its label, and how its values reach the service; when
it is offered comes from the act's row of zhili/cases/act_rules.py (`may`), the same row
its service checks (`check_act`), so the pages offer exactly what the services accept. The
page validates the values with a form (zhili.cases.forms), the API with a schema; both then
call `perform`, so a transition is written once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from zhili.cases.act_rules import ACT_RULES, ActRule, candidate_tasks, may, refusal
from zhili.cases.models import OPEN_STATUSES, Case, CaseTask, TaskStatus
from zhili.cases.services import (
    coordination,
    corrections,
    extensions,
    flow,
    photos,
    reassignment,
)
from zhili.core import permissions
from zhili.core.errors import Conflict, NotFound, invalid
from zhili.core.permissions import Cap


@dataclass(frozen=True)
class Act:
    name: str
    label: str
    # (actor, case, values) → the service's result; values hold "version" and the act's own.
    run: Callable
    # The act's row of act_rules.ACT_RULES (by default the act's own name).
    rule_name: str = ""

    @property
    def rule(self) -> ActRule:
        return ACT_RULES[self.rule_name or self.name]

    @property
    def on_task(self) -> bool:
        """An act on one order of the case: the values then carry "task" (the page shows a
        form per order it may apply to)."""
        return self.rule.on_task

    def offered(self, actor, case: Case) -> bool:
        """Whether the page and the API offer the act now: exactly when its row allows it."""
        return may(actor, self.rule.name, case)

    def tasks(self, actor, case: Case) -> list[CaseTask]:
        """The orders the act is offered on now, for an act on an order."""
        rule = self.rule.name
        return [
            t for t in candidate_tasks(actor, rule, case) if refusal(actor, rule, case, t) is None
        ]


def my_task(actor, case: Case, task_id=None, statuses=None) -> CaseTask:
    """The actor's department's order on this case (the one named by `task_id`, or the only
    one, among `statuses` if given); another department's order is "not found"."""
    tasks = case.tasks.filter(department_id__in=permissions.department_ids(actor))
    if statuses:
        tasks = tasks.filter(status__in=statuses)
    if task_id not in (None, ""):
        try:
            return tasks.get(pk=int(task_id))
        except (CaseTask.DoesNotExist, TypeError, ValueError):
            raise NotFound() from None
    found = list(tasks[:2])
    if len(found) != 1:
        if not found:
            raise NotFound()
        raise invalid("task", _("Name the order: your departments have several on this case."))
    return found[0]


def my_tasks(actor, case: Case) -> list[CaseTask]:
    if not permissions.can(actor, Cap.CASES_HANDLE, case.place_path):
        return []
    ids = permissions.department_ids(actor)
    return [t for t in case.tasks.all() if t.department_id in ids]


def _reporter(actor, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == getattr(actor, "pk", None)


def _centre(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_DISPATCH, case.place_path)


def order_for(act: str):
    """The order a department's act applies to: the one `task` names, else the actor's only
    order the act's row applies to (else the actor's only order, which the service refuses
    with the reason)."""

    def find(actor, case: Case, v: dict) -> CaseTask:
        if v.get("task") in (None, ""):
            fitting = candidate_tasks(actor, act, case)
            if len(fitting) == 1:
                return fitting[0]
        return my_task(actor, case, v.get("task"))

    return find


def answered_order(act: str):
    """The order the centre answers on (a pending extension or objection): the one `task`
    names, else the first the act's row allows; none is "not found"."""

    def find(actor, case: Case, v: dict) -> CaseTask:
        tasks = [t for t in case.tasks.all() if refusal(actor, act, case, t) is None]
        if v.get("task") not in (None, ""):
            tasks = [t for t in case.tasks.all() if str(t.pk) == str(v.get("task"))]
        if not tasks:
            raise NotFound()
        return tasks[0]

    return find


# Kept for callers that name it: the order whose extension the centre answers.
def pending_extension(actor, case: Case, task_id=None) -> CaseTask:
    return answered_order("grant_extension")(actor, case, {"task": task_id})


def _verify(actor, case: Case, v: dict):
    return flow.verify_case(
        actor=actor,
        case=case,
        passed=bool(v.get("passed")),
        note=v.get("note", ""),
        version=v["version"],
    )


ACTS: dict[str, Act] = {
    act.name: act
    for act in [
        Act(
            "accept",
            _("Accept (立案)"),
            lambda actor, case, v: flow.accept_case(actor=actor, case=case, version=v["version"]),
        ),
        Act(
            "reject",
            _("Reject"),
            lambda actor, case, v: flow.reject_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
        ),
        Act(
            "dispatch",
            _("Dispatch"),
            lambda actor, case, v: flow.dispatch_case(
                actor=actor,
                case=case,
                lead=v["lead"],
                co_departments=tuple(v.get("co_departments") or ()),
                version=v["version"],
            ),
        ),
        Act(
            "reassign",
            _("Reassign (改派)"),
            lambda actor, case, v: reassignment.reassign_case(
                actor=actor,
                case=case,
                lead=v["lead"],
                co_departments=tuple(v.get("co_departments") or ()),
                reason=v.get("reason", ""),
                version=v["version"],
            ),
        ),
        Act(
            "take",
            _("Take the order"),
            lambda actor, case, v: flow.take_task(
                actor=actor, task=order_for("take")(actor, case, v)
            ),
        ),
        Act(
            "return",
            _("Return as not our remit"),
            lambda actor, case, v: flow.return_task(
                actor=actor, task=order_for("return")(actor, case, v), reason=v.get("reason", "")
            ),
        ),
        Act(
            "object",
            _("Object to the order (派单异议)"),
            lambda actor, case, v: reassignment.object_to_order(
                actor=actor, task=order_for("object")(actor, case, v), reason=v.get("reason", "")
            ),
        ),
        Act(
            "decide_objection",
            _("Review the objection"),
            lambda actor, case, v: reassignment.decide_objection(
                actor=actor,
                task=answered_order("decide_objection")(actor, case, v),
                upheld=bool(v.get("upheld")),
                reason=v.get("reason", ""),
            ),
        ),
        Act(
            "handle",
            _("Report it handled"),
            lambda actor, case, v: flow.handle_task(
                actor=actor,
                task=order_for("handle")(actor, case, v),
                result=v.get("result", ""),
                photos=v.get("photos") or (),
            ),
        ),
        Act("verify", _("Verify on the spot"), _verify),
        Act(
            "rework",
            _("Send back for rework (返工)"),
            lambda actor, case, v: _verify(actor, case, {**v, "passed": False}),
        ),
        Act(
            "close",
            _("Close the case"),
            lambda actor, case, v: flow.close_case(actor=actor, case=case, version=v["version"]),
        ),
        Act(
            "rate",
            _("Rate the handling"),
            lambda actor, case, v: flow.rate_case(
                actor=actor, case=case, rating=v.get("rating", ""), comment=v.get("comment", "")
            ),
        ),
        Act(
            "hold",
            _("Put on hold (挂账)"),
            lambda actor, case, v: flow.hold_case(
                actor=actor,
                case=case,
                reason=v.get("reason", ""),
                review_on=v.get("review_on"),
                version=v["version"],
            ),
        ),
        Act(
            "void",
            _("Void (作废)"),
            lambda actor, case, v: flow.void_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
        ),
        Act(
            "extension",
            _("Ask for more time (延期)"),
            lambda actor, case, v: extensions.request_extension(
                actor=actor,
                task=order_for("extension")(actor, case, v),
                until=v.get("until"),
                reason=v.get("reason", ""),
            ),
        ),
        Act(
            "grant_extension",
            _("Grant the extension"),
            lambda actor, case, v: extensions.grant_extension(
                actor=actor,
                task=answered_order("grant_extension")(actor, case, v),
                note=v.get("note", ""),
            ),
        ),
        Act(
            "refuse_extension",
            _("Refuse the extension"),
            lambda actor, case, v: extensions.refuse_extension(
                actor=actor,
                task=answered_order("refuse_extension")(actor, case, v),
                reason=v.get("reason", ""),
            ),
        ),
        Act(
            "recategorise",
            _("Change the category"),
            lambda actor, case, v: corrections.recategorise_case(
                actor=actor,
                case=case,
                category=v.get("category"),
                note=v.get("note", ""),
                version=v["version"],
            ),
        ),
        Act(
            "coordinate",
            _("Hand to the street to coordinate"),
            lambda actor, case, v: coordination.coordinate_case(
                actor=actor, case=case, note=v.get("note", ""), version=v["version"]
            ),
        ),
        Act(
            "merge",
            _("Merge into another case (并单)"),
            lambda actor, case, v: coordination.merge_cases(
                actor=actor, case=case, into=v["into"], version=v["version"]
            ),
        ),
        Act(
            "resume",
            _("Take off hold"),
            lambda actor, case, v: corrections.resume_case(
                actor=actor, case=case, note=v.get("note", ""), version=v["version"]
            ),
        ),
        Act(
            "reopen",
            _("Not fixed: reopen"),
            lambda actor, case, v: corrections.reopen_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
        ),
    ]
}


# Orders in hand: a department adds its evidence to them (services.photos.add_photos).
IN_HAND = (TaskStatus.TAKEN, TaskStatus.HANDLED)


def _sees_to_it(actor, case: Case) -> bool:
    """The centre or a verifier over the case's place: their photos are evidence."""
    return _centre(actor, case) or permissions.can(actor, Cap.CASES_VERIFY, case.place_path)


def _add_photos(actor, case: Case, v: dict):
    """Add photos as whoever the actor is on this case: the centre or a verifier, the
    reporter, or a department with its order in hand (that order, named by `task` when its
    departments have several). The service decides; anyone else is refused there."""
    task = None
    if v.get("task") not in (None, ""):
        task = my_task(actor, case, v.get("task"), statuses=IN_HAND)
    elif not (_sees_to_it(actor, case) or _reporter(actor, case)) and any(
        t.status in IN_HAND for t in my_tasks(actor, case)
    ):
        task = my_task(actor, case, statuses=IN_HAND)
    return photos.add_photos(
        actor=actor,
        case=case,
        photos=v.get("photos") or (),
        task=task,
        version=v.get("version"),
    )


@dataclass(frozen=True)
class AddPhotosAct(Act):
    """Adding photos later: offered beside the case's photos rather than among the acts
    that move the case, and posted without the page's version (see forms.AddPhotosForm).
    Who may is services.photos.add_photos' own rule (the reporter, a department with its
    order in hand, the centre or a verifier), on an open case."""

    @property
    def on_task(self) -> bool:
        return False

    def offered(self, actor, case: Case) -> bool:
        return case.status in OPEN_STATUSES and (
            _sees_to_it(actor, case)
            or _reporter(actor, case)
            or any(t.status in IN_HAND for t in my_tasks(actor, case))
        )


ADD_PHOTOS = AddPhotosAct("photo", _("Add photos"), _add_photos)


def offered_acts(actor, case: Case) -> list[Act]:
    return [act for act in ACTS.values() if act.offered(actor, case)]


def perform(act: Act, *, actor, case: Case, values: dict):
    """Run the act. A department's acts lock the order rather than the case, so the version
    the page showed is compared here: a page older than the case is told it changed."""
    version = values.get("version")
    if act.on_task and version is not None and version != case.version:
        raise Conflict()
    return act.run(actor, case, values)
