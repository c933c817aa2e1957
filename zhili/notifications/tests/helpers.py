"""Running a case along the loop, and reading who was told what."""

from zhili.cases.models import Case
from zhili.cases.services.flow import accept_case, dispatch_case, handle_task, take_task
from zhili.cases.tests.conftest import whistle
from zhili.notifications.models import Notification


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def dispatched(people, *co, **report) -> Case:
    case = whistle(people, **report)
    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=case, lead=people.cg, co_departments=co)
    return fresh(case)


def handled(people, **report) -> Case:
    case = dispatched(people, **report)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    handle_task(actor=people.handler, task=task, result="已劝离车辆")
    return fresh(case)


def told(since: int = 0) -> list[tuple[str, str]]:
    """(recipient, kind) of every notification with an id above `since`, sorted."""
    rows = Notification.objects.filter(id__gt=since).values_list("recipient__username", "kind")
    return sorted(rows)


def last_id() -> int:
    last = Notification.objects.order_by("-id").first()
    return last.id if last else 0
