"""What each notification says. Every function returns (title, body) in the active
language; services.notify calls them inside translation.override for the recipient."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import Case, CaseTask, Step


def when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


# The free text a person wrote (a reason, a note) goes inside a sentence that ends with its own
# full stop: its own final stop is dropped, or the message would end in "。。".
_FINAL_STOPS = "。．.！!；;，, "


def clause(text: str) -> str:
    """`text` without its final full stop (or comma, semicolon), to sit inside a sentence."""
    return (text or "").rstrip(_FINAL_STOPS)


def _facts(case: Case, task: CaseTask | None = None, **more) -> dict:
    facts = {
        "number": case.number,
        "category": case.category.name,
        "place": case.address or case.place.name,
        "department": task.department.name if task else "",
    }
    facts.update(more)
    for key in ("reason", "note"):
        if isinstance(facts.get(key), str):
            facts[key] = clause(facts[key])
    return facts


def new_task(case: Case, task: CaseTask) -> tuple[str, str]:
    f = _facts(case, task, deadline=when(task.take_deadline))
    return (
        _("New task: case %(number)s") % f,
        _(
            "%(department)s has a new order: case %(number)s (%(category)s, %(place)s). "
            "Take it by %(deadline)s."
        )
        % f,
    )


def returned(case: Case, task: CaseTask, reason: str) -> tuple[str, str]:
    f = _facts(case, task, reason=reason)
    return (
        _("Order returned: case %(number)s") % f,
        _("%(department)s returned its order on case %(number)s as not its remit: %(reason)s") % f,
    )


def objection_raised(case: Case, task: CaseTask, reason: str) -> tuple[str, str]:
    f = _facts(case, task, reason=reason)
    return (
        _("Objection to an order: case %(number)s") % f,
        _(
            "%(department)s objects to its order on case %(number)s (%(category)s, %(place)s) "
            "as not its remit: %(reason)s. Keep the order or take it back."
        )
        % f,
    )


def objection_decided(case: Case, task: CaseTask, upheld: bool, note: str) -> tuple[str, str]:
    f = _facts(case, task, note=note, deadline=when(task.take_deadline))
    if upheld:
        title = _("Objection upheld: case %(number)s") % f
        body = _("The centre took back %(department)s's order on case %(number)s.") % f
    else:
        title = _("Objection refused: case %(number)s") % f
        body = (
            _(
                "The centre keeps %(department)s's order on case %(number)s: take it by "
                "%(deadline)s."
            )
            % f
        )
    if note:
        body += " " + _("Reason: %(note)s") % f
    return (title, body)


def withdrawn(case: Case, task: CaseTask, action: str, note: str) -> tuple[str, str]:
    why = {
        "void": _("the centre voided the case as filed in error"),
        "hold": _("the centre put the case on hold"),
        "recategorise": _("the centre changed the case's category and will dispatch it again"),
        "merge": _("the centre merged the case into another one"),
        "reassign": _("the centre reassigned the case to other departments"),
    }.get(action, _("the centre withdrew it"))
    f = _facts(case, task, why=why, note=note)
    body = (
        _(
            "%(department)s's order on case %(number)s (%(category)s, %(place)s) "
            "is withdrawn: %(why)s."
        )
        % f
    )
    if note:
        body += " " + _("Reason: %(note)s") % f
    return (_("Order withdrawn: case %(number)s") % f, body)


def rework(case: Case, task: CaseTask, note: str) -> tuple[str, str]:
    f = _facts(case, task, note=note, deadline=when(task.handle_deadline))
    return (
        _("Rework: case %(number)s") % f,
        _(
            "Case %(number)s (%(category)s, %(place)s) did not pass the on-the-spot check "
            "and is back with %(department)s: %(note)s. Handle it by %(deadline)s."
        )
        % f,
    )


def to_verify(case: Case) -> tuple[str, str]:
    f = _facts(case, deadline=when(case.step_deadline))
    return (
        _("To verify: case %(number)s") % f,
        _(
            "The departments report case %(number)s (%(category)s, %(place)s) handled. "
            "Check the result on the spot by %(deadline)s."
        )
        % f,
    )


def closed(case: Case, *, ask_rating: bool = False) -> tuple[str, str]:
    """The case is closed. To its reporter, as a 12345 return visit: please rate it (the
    notification links to the rating form); to a follower, the news only."""
    f = _facts(case)
    if not ask_rating:
        return (
            _("Case %(number)s is closed") % f,
            _(
                "Your report %(number)s (%(category)s, %(place)s) has been dealt with and "
                "closed. You may rate how it was handled."
            )
            % f,
        )
    return (
        _("Case %(number)s is closed: please rate it") % f,
        _(
            "Your report %(number)s (%(category)s, %(place)s) has been dealt with and closed. "
            "Please tell us how it was handled: satisfied, basically satisfied or dissatisfied "
            "(if dissatisfied, say why). Open the case to rate it."
        )
        % f,
    )


def accepted(case: Case) -> tuple[str, str]:
    f = _facts(case)
    return (
        _("Report %(number)s accepted") % f,
        _(
            "Your report %(number)s (%(category)s, %(place)s) has been accepted. The centre "
            "will send it to the department in charge."
        )
        % f,
    )


def dispatched(case: Case, departments: str) -> tuple[str, str]:
    f = _facts(case, departments=departments)
    return (
        _("Report %(number)s sent to %(departments)s") % f,
        _(
            "Your report %(number)s (%(category)s, %(place)s) has been sent to %(departments)s "
            "to handle."
        )
        % f,
    )


def handled(case: Case, results: str) -> tuple[str, str]:
    f = _facts(case, results=results)
    return (
        _("Report %(number)s handled") % f,
        _(
            "The departments report your report %(number)s (%(category)s, %(place)s) handled: "
            "%(results)s. The result will now be checked on the spot."
        )
        % f,
    )


def verified(case: Case) -> tuple[str, str]:
    f = _facts(case)
    return (
        _("Report %(number)s checked on the spot") % f,
        _(
            "The handling of your report %(number)s (%(category)s, %(place)s) passed the "
            "on-the-spot check. The case will be closed."
        )
        % f,
    )


def reopened_to_reporter(case: Case, note: str) -> tuple[str, str]:
    f = _facts(case, note=note)
    return (
        _("Report %(number)s reopened") % f,
        _(
            "Your report %(number)s (%(category)s, %(place)s) has been reopened as not fixed: "
            "%(note)s. The centre will deal with it again."
        )
        % f,
    )


def coordination(case: Case, note: str) -> tuple[str, str]:
    f = _facts(case, note=note)
    body = (
        _(
            "The centre asks the street to coordinate case %(number)s (%(category)s, "
            "%(place)s): name the departments and dispatch it."
        )
        % f
    )
    if f["note"]:
        body += " " + _("Reason: %(note)s") % f
    return (_("For the street to coordinate: case %(number)s") % f, body)


def rejected(case: Case, reason: str) -> tuple[str, str]:
    f = _facts(case, reason=reason)
    return (
        _("Report %(number)s was not accepted") % f,
        _("Your report %(number)s (%(category)s) was not accepted: %(reason)s") % f,
    )


def extension_asked(case: Case, task: CaseTask, reason: str) -> tuple[str, str]:
    f = _facts(case, task, reason=reason, until=when(task.extension_requested_until))
    return (
        _("Extension asked: case %(number)s") % f,
        _("%(department)s asks for more time on case %(number)s, until %(until)s: %(reason)s") % f,
    )


def extension_answered(case: Case, task: CaseTask, granted: bool, note: str) -> tuple[str, str]:
    f = _facts(case, task, deadline=when(task.handle_deadline), note=note or "—")
    if granted:
        return (
            _("Extension granted: case %(number)s") % f,
            _("The centre granted more time on case %(number)s: handle it by %(deadline)s.") % f,
        )
    return (
        _("Extension refused: case %(number)s") % f,
        _("The centre refused more time on case %(number)s (%(note)s): handle it by %(deadline)s.")
        % f,
    )


def overdue(case: Case, step: str, deadline: dt.datetime) -> tuple[str, str]:
    f = _facts(case, step=Step(step).label, deadline=when(deadline))
    return (
        _("Overdue: case %(number)s") % f,
        _(
            "Case %(number)s (%(category)s, %(place)s) has passed its deadline for "
            "“%(step)s” (%(deadline)s)."
        )
        % f,
    )


def escalated(case: Case, step: str, deadline: dt.datetime, grace) -> tuple[str, str]:
    f = _facts(case, step=Step(step).label, deadline=when(deadline), hours=grace)
    return (
        _("Escalated: case %(number)s") % f,
        _(
            "Case %(number)s (%(category)s, %(place)s) is still overdue for “%(step)s” "
            "%(hours)s working hours after its deadline (%(deadline)s). The street is asked "
            "to step in."
        )
        % f,
    )


def deadline_near(case: Case, task: CaseTask, step: str, deadline: dt.datetime) -> tuple[str, str]:
    f = _facts(case, task, step=Step(step).label, deadline=when(deadline))
    return (
        _("Deadline near: case %(number)s") % f,
        _("%(department)s: “%(step)s” on case %(number)s (%(place)s) is due by %(deadline)s.") % f,
    )


def reopened(case: Case, note: str) -> tuple[str, str]:
    f = _facts(case, note=note)
    return (
        _("Reopened: case %(number)s") % f,
        _("The reporter finds case %(number)s (%(category)s, %(place)s) not fixed: %(note)s") % f,
    )


def deadline_moved(case: Case, task: CaseTask | None, moves: str) -> tuple[str, str]:
    f = _facts(case, task, moves=moves)
    return (
        _("Deadline counted again: case %(number)s") % f,
        _(
            "The holiday notice for the coming year has been entered, so the deadlines of case "
            "%(number)s (%(category)s, %(place)s) that were counted provisionally were counted "
            "again: %(moves)s"
        )
        % f,
    )
