"""The acts a person may take on a case, as one table that the case page and the API share.

Each act names the service it calls, when it is offered (a hint for the pages only: the
service decides, and refuses with a domain error), and how its values reach the service.
The page validates them with a form (zhili.cases.forms), the API with a schema; both then
call `Act.run`, so a transition is written once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from zhili.cases.models import (
    CASE_ACTS,
    Case,
    CaseStatus,
    CaseTask,
    ExtensionStatus,
    TaskStatus,
)
from zhili.cases.services import acts as extra_acts
from zhili.cases.services import coordination, flow, photos
from zhili.core import permissions
from zhili.core.errors import Conflict, NotFound, invalid
from zhili.core.permissions import Cap

CS = CaseStatus


@dataclass(frozen=True)
class Act:
    name: str
    label: str
    # (actor, case, values) → the service's result; values hold "version" and the act's own.
    run: Callable
    # (actor, case) → whether the page offers it now.
    offered: Callable[..., bool]
    # For a department's act on its own order: the order's status it applies to; the
    # values then carry "task".
    task_status: str = ""

    @property
    def on_task(self) -> bool:
        return bool(self.task_status)


def _centre(actor, case: Case) -> bool:
    return permissions.can(actor, Cap.CASES_DISPATCH, case.place_path)


def my_task(actor, case: Case, task_id=None, statuses=None) -> CaseTask:
    """The actor's department's order on this case (the one named by `task_id`, or the only
    live one); another department's order is "not found"."""
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


def _in_status(act: str, case: Case) -> bool:
    return case.status in CASE_ACTS[act]


def _reporter(actor, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == getattr(actor, "pk", None)


def pending_extension(actor, case: Case, task_id=None) -> CaseTask:
    """The order on this case whose department asks for more time (`task_id` names it when
    several do); for the centre, which answers."""
    tasks = [t for t in case.tasks.all() if t.extension_status == ExtensionStatus.PENDING]
    if task_id not in (None, ""):
        tasks = [t for t in tasks if str(t.pk) == str(task_id)]
    if not tasks:
        raise NotFound()
    return tasks[0]


def _extension_offered(actor, case: Case) -> bool:
    return _centre(actor, case) and any(
        t.extension_status == ExtensionStatus.PENDING and t.status == TaskStatus.TAKEN
        for t in case.tasks.all()
    )


def _task_offered(*statuses):
    def offered(actor, case):
        return any(t.status in statuses for t in my_tasks(actor, case))

    return offered


ACTS: dict[str, Act] = {
    act.name: act
    for act in [
        Act(
            "accept",
            _("Accept (立案)"),
            lambda actor, case, v: flow.accept_case(actor=actor, case=case, version=v["version"]),
            lambda actor, case: case.status == CS.REPORTED and _centre(actor, case),
        ),
        Act(
            "reject",
            _("Reject"),
            lambda actor, case, v: flow.reject_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
            lambda actor, case: case.status == CS.REPORTED and _centre(actor, case),
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
            lambda actor, case: (
                case.status == CS.ACCEPTED
                and (
                    _centre(actor, case)
                    or (
                        case.coordinated
                        and permissions.can(actor, Cap.CASES_COORDINATE, case.place_path)
                    )
                )
            ),
        ),
        Act(
            "take",
            _("Take the order"),
            lambda actor, case, v: flow.take_task(
                actor=actor, task=my_task(actor, case, v.get("task"))
            ),
            _task_offered(TaskStatus.DISPATCHED),
            task_status=TaskStatus.DISPATCHED,
        ),
        Act(
            "return",
            _("Return as not our remit"),
            lambda actor, case, v: flow.return_task(
                actor=actor, task=my_task(actor, case, v.get("task")), reason=v.get("reason", "")
            ),
            _task_offered(TaskStatus.DISPATCHED),
            task_status=TaskStatus.DISPATCHED,
        ),
        Act(
            "handle",
            _("Report it handled"),
            lambda actor, case, v: flow.handle_task(
                actor=actor,
                task=my_task(actor, case, v.get("task")),
                result=v.get("result", ""),
                photos=v.get("photos") or (),
            ),
            _task_offered(TaskStatus.TAKEN),
            task_status=TaskStatus.TAKEN,
        ),
        Act(
            "verify",
            _("Verify on the spot"),
            lambda actor, case, v: flow.verify_case(
                actor=actor,
                case=case,
                passed=bool(v.get("passed")),
                note=v.get("note", ""),
                version=v["version"],
            ),
            lambda actor, case: (
                case.status == CS.HANDLED
                and permissions.can(actor, Cap.CASES_VERIFY, case.place_path)
            ),
        ),
        Act(
            "close",
            _("Close the case"),
            lambda actor, case, v: flow.close_case(actor=actor, case=case, version=v["version"]),
            lambda actor, case: case.status == CS.VERIFIED and _centre(actor, case),
        ),
        Act(
            "rate",
            _("Rate the handling"),
            lambda actor, case, v: flow.rate_case(
                actor=actor, case=case, rating=v.get("rating", ""), comment=v.get("comment", "")
            ),
            lambda actor, case: (
                case.status == CS.CLOSED and not case.rating and _reporter(actor, case)
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
            lambda actor, case: (
                case.status in (CS.ACCEPTED, CS.DISPATCHED) and _centre(actor, case)
            ),
        ),
        Act(
            "void",
            _("Void (作废)"),
            lambda actor, case, v: flow.void_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
            lambda actor, case: (
                case.status in (CS.REPORTED, CS.ACCEPTED, CS.DISPATCHED, CS.ON_HOLD)
                and _centre(actor, case)
            ),
        ),
        Act(
            "extension",
            _("Ask for more time (延期)"),
            lambda actor, case, v: extra_acts.request_extension(
                actor=actor,
                task=my_task(actor, case, v.get("task")),
                until=v.get("until"),
                reason=v.get("reason", ""),
            ),
            _task_offered(TaskStatus.TAKEN),
            task_status=TaskStatus.TAKEN,
        ),
        Act(
            "grant_extension",
            _("Grant the extension"),
            lambda actor, case, v: extra_acts.grant_extension(
                actor=actor,
                task=pending_extension(actor, case, v.get("task")),
                note=v.get("note", ""),
            ),
            _extension_offered,
        ),
        Act(
            "refuse_extension",
            _("Refuse the extension"),
            lambda actor, case, v: extra_acts.refuse_extension(
                actor=actor,
                task=pending_extension(actor, case, v.get("task")),
                reason=v.get("reason", ""),
            ),
            _extension_offered,
        ),
        Act(
            "recategorise",
            _("Change the category"),
            lambda actor, case, v: extra_acts.recategorise_case(
                actor=actor,
                case=case,
                category=v.get("category"),
                note=v.get("note", ""),
                version=v["version"],
            ),
            lambda actor, case: _in_status("recategorise", case) and _centre(actor, case),
        ),
        Act(
            "coordinate",
            _("Hand to the street to coordinate"),
            lambda actor, case, v: coordination.coordinate_case(
                actor=actor, case=case, note=v.get("note", ""), version=v["version"]
            ),
            lambda actor, case: (
                _in_status("coordinate", case)
                and not case.coordinated
                and (
                    _centre(actor, case)
                    or permissions.can(actor, Cap.CASES_COORDINATE, case.place_path)
                )
            ),
        ),
        Act(
            "merge",
            _("Merge into another case (并单)"),
            lambda actor, case, v: coordination.merge_cases(
                actor=actor, case=case, into=v["into"], version=v["version"]
            ),
            lambda actor, case: _in_status("merge", case) and _centre(actor, case),
        ),
        Act(
            "resume",
            _("Take off hold"),
            lambda actor, case, v: extra_acts.resume_case(
                actor=actor, case=case, note=v.get("note", ""), version=v["version"]
            ),
            lambda actor, case: _in_status("resume", case) and _centre(actor, case),
        ),
        Act(
            "reopen",
            _("Not fixed: reopen"),
            lambda actor, case, v: extra_acts.reopen_case(
                actor=actor, case=case, reason=v.get("reason", ""), version=v["version"]
            ),
            lambda actor, case: _in_status("reopen", case) and _reporter(actor, case),
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


# Adding photos later: offered beside the case's photos rather than among the acts that move
# the case, and posted without the page's version (see forms.AddPhotosForm).
ADD_PHOTOS = Act(
    "photo",
    _("Add photos"),
    _add_photos,
    lambda actor, case: (
        _in_status("photo", case)
        and (
            _sees_to_it(actor, case)
            or _reporter(actor, case)
            or any(t.status in IN_HAND for t in my_tasks(actor, case))
        )
    ),
)


def offered_acts(actor, case: Case) -> list[Act]:
    return [act for act in ACTS.values() if act.offered(actor, case)]


def perform(act: Act, *, actor, case: Case, values: dict):
    """Run the act. A department's acts lock the order rather than the case, so the version
    the page showed is compared here: a page older than the case is told it changed."""
    version = values.get("version")
    if act.on_task and version is not None and version != case.version:
        raise Conflict()
    return act.run(actor, case, values)
