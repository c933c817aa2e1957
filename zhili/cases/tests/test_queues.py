"""Work owed first: the centre's queue tabs (待受理, 待派遣, 待核查, 待结案, 延期申请, 超时) with
their counts and the default tab, and the handler's inbox filter (待接单 / 办理中 / 全部)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhili.cases.models import Case, CaseTask, Step
from zhili.cases.services.extensions import request_extension
from zhili.cases.services.flow import accept_case, dispatch_case, handle_task, take_task
from zhili.cases.services.reassignment import decide_objection, object_to_order
from zhili.cases.tests.conftest import as_user, whistle
from zhili.people.tests.html import parse


def queue(client, query=""):
    page = parse(client.get(f"/cases/{query}").content)
    tabs = {t.attrs["data-tab"]: t for t in page.find_all(data_testid="queue-tab")}
    counts = {k: int(t.attrs["data-count"]) for k, t in tabs.items() if k != "all"}
    [current] = [k for k, t in tabs.items() if t.attrs.get("aria-current") == "page"]
    rows = [r.attrs["data-case"] for r in page.find_all(data_testid="queue-row")]
    return counts, current, rows


def dispatched(loop, key):
    case = whistle(loop, idempotency_key=key)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    return Case.objects.get(pk=case.pk)


def set_deadline(case, **delta):
    Case.objects.filter(pk=case.pk).update(step_deadline=timezone.now() + dt.timedelta(**delta))


def test_the_queue_counts_each_owed_act_and_opens_on_the_nearest_deadline(client, loop):
    new = whistle(loop, idempotency_key="new")
    set_deadline(new, hours=20)
    accepted = whistle(loop, idempotency_key="acc")
    accept_case(actor=loop.dispatcher, case=accepted)
    set_deadline(accepted, hours=2)
    # The lead objects and the centre upholds it: dispatched, with no lead, owed a dispatch.
    leadless = whistle(loop, idempotency_key="lead")
    accept_case(actor=loop.dispatcher, case=leadless)
    dispatch_case(actor=loop.dispatcher, case=leadless, lead=loop.cg, co_departments=[loop.police])
    lead_order = leadless.tasks.get(department=loop.cg)
    object_to_order(actor=loop.handler, task=lead_order, reason="不属本部门职责")
    decide_objection(
        actor=loop.dispatcher, task=CaseTask.objects.get(pk=lead_order.pk), upheld=True
    )
    assert Case.objects.get(pk=leadless.pk).step == Step.DISPATCH
    set_deadline(leadless, hours=30)
    handled = dispatched(loop, "h")
    order = handled.tasks.get()
    take_task(actor=loop.handler, task=order)
    handle_task(actor=loop.handler, task=CaseTask.objects.get(pk=order.pk), result="已清理")
    set_deadline(handled, hours=40)
    asking = dispatched(loop, "ext")
    order = asking.tasks.get()
    take_task(actor=loop.handler, task=order)
    order = CaseTask.objects.get(pk=order.pk)
    request_extension(
        actor=loop.handler,
        task=order,
        until=order.handle_deadline + dt.timedelta(days=3),
        reason="需采购材料",
    )
    old = whistle(loop, idempotency_key="old")
    set_deadline(old, days=-300)
    lately = whistle(loop, idempotency_key="late")
    set_deadline(lately, hours=-5)

    as_user(client, loop.dispatcher)
    counts, current, rows = queue(client)
    assert counts == {
        "reported": 1,
        "dispatch": 2,
        "verify": 1,
        "close": 0,
        "extension": 1,
        "overdue": 2,
    }
    # 2 hours to the accepted case's dispatch: nearer than the 5 hours since `lately` fell due.
    assert current == "dispatch"
    assert rows == [accepted.number, leadless.number]
    # 超时: the most recently missed deadline first, not the year-old case.
    assert queue(client, "?tab=overdue")[2] == [lately.number, old.number]
    assert queue(client, "?tab=extension")[2] == [asking.number]
    assert queue(client, "?tab=reported")[2] == [new.number]

    set_deadline(lately, minutes=-30)
    assert queue(client)[1] == "overdue"
    # The homes' links keep listing what their filters say.
    assert queue(client, "?status=reported")[2] == [old.number, lately.number, new.number]
    assert queue(client, "?status=open&overdue=on")[1] == "all"
    # The narrowing filters narrow the counts too.
    assert queue(client, f"?urgency=urgent&category={loop.category.pk}")[0]["overdue"] == 0


def test_the_queue_tabs_cost_the_same_queries_for_more_cases(client, loop):
    as_user(client, loop.dispatcher)
    whistle(loop, idempotency_key="a")
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for i in range(4):
        dispatched(loop, f"b{i}")
        set_deadline(whistle(loop, idempotency_key=f"c{i}"), days=-i - 1)
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/")
        client.get("/cases/?tab=overdue")
    assert len(many) == 2 * len(few)
    assert len(few) <= 12


def inbox(client, query=""):
    page = parse(client.get(f"/cases/inbox/{query}").content)
    shows = {s.attrs["data-show"]: s for s in page.find_all(data_testid="inbox-show")}
    counts = {k: int(s.attrs["data-count"]) for k, s in shows.items()}
    [current] = [k for k, s in shows.items() if s.attrs.get("aria-current") == "page"]
    return counts, current, [i.attrs["data-case"] for i in page.find_all(data_testid="inbox-item")]


def test_the_inbox_opens_on_the_orders_to_take_newest_deadline_first(client, loop):
    old = dispatched(loop, "old")
    taken = old.tasks.get()
    take_task(actor=loop.handler, task=taken)
    # An order in hand whose handle-by passed long ago no longer buries the new ones.
    CaseTask.objects.filter(pk=taken.pk).update(
        take_deadline=timezone.now() - dt.timedelta(days=200),
        handle_deadline=timezone.now() - dt.timedelta(days=190),
    )
    first = dispatched(loop, "first")
    later = dispatched(loop, "later")
    CaseTask.objects.filter(case=first).update(take_deadline=timezone.now() + dt.timedelta(hours=3))
    CaseTask.objects.filter(case=later).update(take_deadline=timezone.now() + dt.timedelta(hours=1))

    as_user(client, loop.handler)
    counts, current, items = inbox(client)
    assert counts == {"waiting": 2, "taken": 1, "all": 3}
    assert current == "waiting"
    assert items == [later.number, first.number]
    assert inbox(client, "?show=taken")[2] == [old.number]
    # Taking an order leads to the orders in hand, where it is reported handled.
    page = parse(client.get("/cases/inbox/").content)
    take = page.find_all(data_testid="take")[0].parent
    [back] = [i for i in take.find_all("input") if i.attrs.get("name") == "next"]
    assert back.attrs["value"] == "/cases/inbox/?show=taken"
    assert len(inbox(client, "?show=all")[2]) == 3

    as_user(client, loop.police_handler)
    assert inbox(client)[:2] == ({"waiting": 0, "taken": 0, "all": 0}, "all")
