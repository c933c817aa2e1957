"""The one check of the state machines (cases' and orders' tables)."""

from django.utils.translation import gettext_lazy as _

from zhili.cases.models.cases import CASE_TRANSITIONS, CaseStatus
from zhili.cases.models.tasks import TaskStatus
from zhili.core.errors import Conflict


def refuse_unless_allowed(table: dict[str, set[str]], current: str, target: str, label) -> None:
    """The one check of the state machines: a move the table lacks is a Conflict naming both.
    A case's and a task's statuses share some codes ("dispatched"), so the status is named
    from the case's choices for the case table and from the task's otherwise."""
    if target not in table.get(current, set()):
        names = dict((CaseStatus if table is CASE_TRANSITIONS else TaskStatus).choices)
        raise Conflict(
            _("This cannot be done now: the %(what)s is “%(current)s”.")
            % {"what": label, "current": names.get(current, current)}
        )
