"""Telling people about acts on cases: one reaction per act, run by the cases app's
case_event signal inside the act's transaction (so a notification exists exactly when the
act was committed; e-mail leaves only after the commit).

| act | who is told | kind |
| --- | --- | --- |
| accept | the reporter and the case's followers | accepted |
| dispatch | the handlers of each dispatched department | new_task |
| dispatch | the reporter and followers, naming the departments | dispatched |
| return | the centre over the case's place | returned |
| rework (a failed check) | the handlers of the departments whose work went back | rework |
| handle (the last department) | the grid officers over the place, else the centre | verify |
| handle (the last department) | the reporter and followers, with the results | handled |
| verify (passed) | the reporter and followers | verified |
| close | the reporter (asked to rate it) and the case's followers | closed |
| reject | the reporter and the case's followers | rejected |
| reopen | the centre | rework |
| reopen | the reporter and followers (the reporter, if not the one reopening) | reopened |
| coordinate (提请街道统筹) | the street coordinators over the place | coordination |
| extension asked | the centre | extension |
| extension granted or refused | the handlers of the asking department | extension |
| void, hold, recategorise, merge | handlers of each order cancelled unfinished | withdrawn |
| objection (派单异议) | the centre | objection |
| objection kept or upheld | the handlers of the objecting department | objection |
| reassign (改派) | handlers of new orders; of dropped unfinished ones | new_task, withdrawn |
| recount_deadline | handlers of the moved order(s), else the centre | deadline_moved |

Nobody is told of their own act.
"""

from functools import partial

from zhili.cases.models import LIVE_TASK_STATUSES, Case, CaseStatus, CaseTask, Step, TaskStatus
from zhili.notifications import recipients, texts
from zhili.notifications.models import NotificationKind as Kind
from zhili.notifications.services import notify


def _tasks(case: Case, status: str):
    return case.tasks.filter(status=status).select_related("department").order_by("id")


def _tell_reporter(case: Case, actor, kind: str, compose) -> None:
    """The reporter's own business: the reporter and whoever follows the case."""
    notify(
        kind=kind,
        case=case,
        recipients=recipients.reporter_and_followers(case),
        compose=compose,
        skip=actor,
    )


def accepted(*, case: Case, actor, **_) -> None:
    _tell_reporter(case, actor, Kind.ACCEPTED, partial(texts.accepted, case))


def dispatched(*, case: Case, actor, **_) -> None:
    tasks = list(_tasks(case, TaskStatus.DISPATCHED))
    for task in tasks:
        notify(
            kind=Kind.NEW_TASK,
            case=case,
            task=task,
            recipients=recipients.department_handlers(case, [task.department_id]),
            compose=partial(texts.new_task, case, task),
            skip=actor,
        )
    if tasks:
        departments = "、".join(task.department.name for task in tasks)
        _tell_reporter(case, actor, Kind.DISPATCHED, partial(texts.dispatched, case, departments))


def returned(*, case: Case, task: CaseTask, actor, note: str, **_) -> None:
    notify(
        kind=Kind.RETURNED,
        case=case,
        task=task,
        recipients=recipients.centre(case.place_path),
        compose=partial(texts.returned, case, task, note),
        skip=actor,
    )


def reworked(*, case: Case, actor, note: str, **_) -> None:
    # A failed check sends every handled task back at once, as taken.
    for task in _tasks(case, TaskStatus.TAKEN):
        notify(
            kind=Kind.REWORK,
            case=case,
            task=task,
            recipients=recipients.department_handlers(case, [task.department_id]),
            compose=partial(texts.rework, case, task, note),
            skip=actor,
        )


def handled(*, case: Case, actor, to_status: str, **_) -> None:
    if to_status != CaseStatus.HANDLED:  # another department is still at work
        return
    # No grid officer over the place: the centre checks.
    checkers = list(recipients.grid_officers(case.place_path)) or recipients.centre(case.place_path)
    notify(
        kind=Kind.VERIFY,
        case=case,
        recipients=checkers,
        compose=partial(texts.to_verify, case),
        skip=actor,
    )
    done = _tasks(case, TaskStatus.HANDLED)
    results = "；".join(f"{t.department.name}：{texts.clause(t.result)}" for t in done)
    _tell_reporter(case, actor, Kind.HANDLED, partial(texts.handled, case, results))


def verified(*, case: Case, actor, **_) -> None:
    _tell_reporter(case, actor, Kind.VERIFIED, partial(texts.verified, case))


def closed(*, case: Case, actor, **_) -> None:
    # The reporter is asked to rate the handling (only the reporter may); followers hear
    # the news.
    everyone = recipients.reporter_and_followers(case)
    notify(
        kind=Kind.CLOSED,
        case=case,
        recipients=everyone.filter(pk=case.reporter_id),
        compose=partial(texts.closed, case, ask_rating=True),
        skip=actor,
    )
    notify(
        kind=Kind.CLOSED,
        case=case,
        recipients=everyone.exclude(pk=case.reporter_id),
        compose=partial(texts.closed, case),
        skip=actor,
    )


def rejected(*, case: Case, actor, note: str, **_) -> None:
    notify(
        kind=Kind.REJECTED,
        case=case,
        recipients=recipients.reporter_and_followers(case),
        compose=partial(texts.rejected, case, note),
        skip=actor,
    )


def reopened(*, case: Case, actor, note: str, **_) -> None:
    notify(
        kind=Kind.REWORK,
        case=case,
        recipients=recipients.centre(case.place_path),
        compose=partial(texts.reopened, case, note),
        skip=actor,
    )
    _tell_reporter(case, actor, Kind.REOPENED, partial(texts.reopened_to_reporter, case, note))


def coordination(*, case: Case, actor, note: str, **_) -> None:
    notify(
        kind=Kind.COORDINATION,
        case=case,
        recipients=recipients.street_coordinators(case.place_path),
        compose=partial(texts.coordination, case, note),
        skip=actor,
    )


def extension_asked(*, case: Case, task: CaseTask, actor, note: str, **_) -> None:
    notify(
        kind=Kind.EXTENSION,
        case=case,
        task=task,
        recipients=recipients.centre(case.place_path),
        compose=partial(texts.extension_asked, case, task, note),
        skip=actor,
    )


def extension_answered(*, case: Case, task: CaseTask, actor, note: str, granted: bool, **_) -> None:
    notify(
        kind=Kind.EXTENSION,
        case=case,
        task=task,
        recipients=recipients.department_handlers(case, [task.department_id]),
        compose=partial(texts.extension_answered, case, task, granted, note),
        skip=actor,
    )


def withdrawn(*, case: Case, actor, note: str, action: str, cancelled=(), **_) -> None:
    # Orders the department had not finished yet: a handled or verified one needs no word.
    for task in cancelled:
        if task.cancelled_from not in (TaskStatus.DISPATCHED, TaskStatus.TAKEN):
            continue
        notify(
            kind=Kind.WITHDRAWN,
            case=case,
            task=task,
            recipients=recipients.department_handlers(case, [task.department_id]),
            compose=partial(texts.withdrawn, case, task, action, note),
            skip=actor,
        )


def objection_raised(*, case: Case, task: CaseTask, actor, note: str, **_) -> None:
    notify(
        kind=Kind.OBJECTION,
        case=case,
        task=task,
        recipients=recipients.centre(case.place_path),
        compose=partial(texts.objection_raised, case, task, note),
        skip=actor,
    )


def objection_decided(*, case: Case, task: CaseTask, actor, note: str, upheld: bool, **_) -> None:
    notify(
        kind=Kind.OBJECTION,
        case=case,
        task=task,
        recipients=recipients.department_handlers(case, [task.department_id]),
        compose=partial(texts.objection_decided, case, task, upheld, note),
        skip=actor,
    )


def reassigned(*, case: Case, actor, note: str, action: str, cancelled=(), **_) -> None:
    # The new orders (reassign_case lists them on the case), then the withdrawn ones.
    for task in getattr(case, "new_orders", ()):
        notify(
            kind=Kind.NEW_TASK,
            case=case,
            task=task,
            recipients=recipients.department_handlers(case, [task.department_id]),
            compose=partial(texts.new_task, case, task),
            skip=actor,
        )
    withdrawn(case=case, actor=actor, note=note, action=action, cancelled=cancelled)


def deadline_recounted(*, case: Case, task: CaseTask | None, note: str, **_) -> None:
    if task is not None:
        departments = [task.department_id]
    elif case.step in (Step.TAKE, Step.HANDLE):
        departments = [t.department_id for t in case.tasks.all() if t.status in LIVE_TASK_STATUSES]
    else:
        departments = []
    notify(
        kind=Kind.DEADLINE_MOVED,
        case=case,
        task=task,
        recipients=(
            recipients.department_handlers(case, departments)
            if departments
            else recipients.centre(case.place_path)
        ),
        compose=partial(texts.deadline_moved, case, task, note),
    )


# The case_event action names (zhili/cases/services) and the reaction to each.
REACTIONS = {
    "accept": accepted,
    "dispatch": dispatched,
    "return": returned,
    "rework": reworked,
    "handle": handled,
    "verify": verified,
    "close": closed,
    "reject": rejected,
    "reopen": reopened,
    "extension_request": extension_asked,
    "extension_grant": partial(extension_answered, granted=True),
    "extension_refuse": partial(extension_answered, granted=False),
    "void": withdrawn,
    "hold": withdrawn,
    "recategorise": withdrawn,
    "merge": withdrawn,
    "objection": objection_raised,
    "objection_kept": partial(objection_decided, upheld=False),
    "objection_upheld": partial(objection_decided, upheld=True),
    "reassign": reassigned,
    "coordinate": coordination,
    "recount_deadline": deadline_recounted,
}


def on_case_event(sender, *, case, task, action, from_status, to_status, actor, note, **kwargs):
    """The case_event receiver (connected in NotificationsConfig.ready)."""
    react = REACTIONS.get(action)
    if react is not None:
        react(
            case=case,
            task=task,
            actor=actor,
            note=note,
            to_status=to_status,
            action=action,
            cancelled=kwargs.get("cancelled", ()),
        )


def on_case_events(sender, *, events, **kwargs):
    """The case_events receiver: many acts written together, each reacted to as one."""
    for event in events:
        on_case_event(sender, **event)
