"""Locking what an act works on and checking it against the act's row (act_rules.ACT_RULES):
the services' one way in."""

from zhili.cases.act_rules import check_act
from zhili.cases.models import Case, CaseTask
from zhili.cases.services.common import lock_case, lock_task


def case_for_act(actor, act: str, case: Case, version: int | None = None) -> Case:
    """The case, locked (refused if it moved past `version`), once the act's row allows it."""
    case = lock_case(case, version)
    check_act(actor, act, case)
    return case


def order_for_act(actor, act: str, task: CaseTask) -> tuple[CaseTask, Case]:
    """An order and its case, both locked (the case first, as every act locks them), once
    the act's row allows it: a department's act on its own order, or the centre's on one."""
    case = lock_case(task.case)
    task = lock_task(task)
    check_act(actor, act, case, task)
    return task, case
