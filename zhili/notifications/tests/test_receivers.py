"""Each act on a case tells exactly the people it concerns, and nobody else."""

import datetime as dt

from django.apps import apps
from django.utils import timezone

from zhili.cases.models import Case, CaseFollower, Category
from zhili.cases.services.corrections import recategorise_case, reopen_case
from zhili.cases.services.extensions import grant_extension, refuse_extension, request_extension
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    handle_task,
    hold_case,
    reject_case,
    return_task,
    take_task,
    verify_case,
    void_case,
)
from zhili.notifications.models import Notification
from zhili.notifications.tests.helpers import (
    dispatched,
    fresh,
    handled,
    last_id,
    told,
    whistle,
)
from zhili.people.tests.helpers import zh


def test_reporting_tells_nobody_and_accepting_tells_the_reporter(people):
    case = whistle(people)
    assert told() == []
    accept_case(actor=people.dispatcher, case=case)
    assert told() == [("courier", "accepted")]


def test_a_dispatch_tells_the_handlers_of_the_dispatched_department_only(people):
    case = dispatched(people)

    assert told() == [("courier", "accepted"), ("courier", "dispatched"), ("handler", "new_task")]
    [n] = Notification.objects.filter(kind="new_task")
    assert (n.case, n.task, n.read_at) == (case, case.tasks.get(), None)
    assert n.title == zh("New task: case %(number)s") % {"number": case.number}
    assert case.number in n.body and "乱停乱放" in n.body


def test_a_dispatch_with_a_co_department_tells_each_its_own_order(people):
    case = dispatched(people, people.police)

    rows = Notification.objects.filter(kind="new_task").values_list(
        "recipient__username", "task__department__code"
    )
    assert sorted(rows) == [("handler", "cg"), ("police", "ga")]
    assert set(Notification.objects.values_list("case", flat=True)) == {case.pk}


def test_an_inactive_handler_is_not_told(people):
    people.handler.is_active = False
    people.handler.save()
    dispatched(people)
    assert [t for t in told() if t[1] == "new_task"] == []


def test_a_returned_order_tells_the_centre(people):
    case = dispatched(people)
    since = last_id()

    return_task(actor=people.handler, task=case.tasks.get(), reason="属公安管辖")

    assert told(since) == [("dispatcher", "returned")]
    assert "属公安管辖" in Notification.objects.get(kind="returned").body


def test_the_last_department_handling_asks_the_grid_officer_to_verify(people):
    case = dispatched(people, people.police)
    cg, ga = case.tasks.get(department=people.cg), case.tasks.get(department=people.police)
    take_task(actor=people.handler, task=cg)
    take_task(actor=people.police_handler, task=ga)
    since = last_id()

    handle_task(actor=people.handler, task=cg, result="已处理")
    assert told(since) == []  # the police are still at work

    handle_task(actor=people.police_handler, task=ga, result="已处理")
    # Not 塔山一网格's officer; the reporter hears that it is handled.
    assert told(since) == [("courier", "handled"), ("grid_officer", "verify")]


def test_without_a_grid_officer_the_centre_is_asked_to_verify(people):
    people.grid_officer.role_grants.all().delete()
    since = last_id()
    handled(people)
    assert [t for t in told(since) if t[1] == "verify"] == [("dispatcher", "verify")]


def test_a_failed_check_tells_the_departments_whose_work_went_back(people):
    case = handled(people)
    since = last_id()

    verify_case(actor=people.grid_officer, case=case, passed=False, note="车辆仍在")

    assert told(since) == [("handler", "rework")]
    assert "车辆仍在" in Notification.objects.get(kind="rework").body


def test_closing_tells_the_reporter(people):
    case = handled(people)
    verify_case(actor=people.grid_officer, case=case, passed=True)
    since = last_id()

    close_case(actor=people.dispatcher, case=case)

    assert told(since) == [("courier", "closed")]


def test_closing_tells_the_followers_too(people):
    follower_model = apps.get_model("cases", "CaseFollower")
    case = handled(people)
    follower_model.objects.get_or_create(case=case, user=people.resident)
    verify_case(actor=people.grid_officer, case=case, passed=True)
    since = last_id()

    close_case(actor=people.dispatcher, case=case)

    assert told(since) == [("courier", "closed"), ("resident", "closed")]


def test_closing_a_case_without_a_reporter_tells_its_followers(people):
    case = handled(people)
    Case.objects.filter(pk=case.pk).update(reporter=None)  # filed by an API client, say
    CaseFollower.objects.filter(case=case).delete()
    CaseFollower.objects.create(case=case, user=people.resident)
    verify_case(actor=people.grid_officer, case=case, passed=True)
    since = last_id()

    close_case(actor=people.dispatcher, case=Case.objects.get(pk=case.pk))

    assert told(since) == [("resident", "closed")]


def test_a_rejection_tells_the_reporter_why(people):
    case = whistle(people)

    reject_case(actor=people.dispatcher, case=case, reason="不属于受理范围")

    assert told() == [("courier", "rejected")]
    assert "不属于受理范围" in Notification.objects.get().body


def test_nobody_is_told_of_their_own_act(people):
    # The dispatcher reports a case of their own and closes it: no "closed" for them.
    case = handled(people, actor=people.dispatcher)
    verify_case(actor=people.grid_officer, case=case, passed=True)
    since = last_id()

    close_case(actor=people.dispatcher, case=case)

    assert told(since) == []


def test_a_reopened_case_goes_back_to_the_centre_as_rework(people):
    case = handled(people)
    verify_case(actor=people.grid_officer, case=case, passed=True)
    close_case(actor=people.dispatcher, case=case)
    since = last_id()

    reopen_case(actor=people.courier, case=fresh(case), reason="车又停回来了")

    assert told(since) == [("dispatcher", "rework")]


def test_an_extension_is_asked_of_the_centre_and_answered_to_the_department(people):
    case = dispatched(people)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    task.refresh_from_db()
    since = last_id()

    until = task.handle_deadline + dt.timedelta(days=3)
    request_extension(actor=people.handler, task=task, until=until, reason="需协调产权单位")
    assert told(since) == [("dispatcher", "extension")]

    since = last_id()
    grant_extension(actor=people.dispatcher, task=task)
    assert told(since) == [("handler", "extension")]
    assert timezone.localtime(until).strftime("%Y-%m-%d %H:%M") in (
        Notification.objects.get(id__gt=since).body
    )

    request_extension(
        actor=people.handler, task=task, until=until + dt.timedelta(days=1), reason="再延"
    )
    since = last_id()
    refuse_extension(actor=people.dispatcher, task=task, reason="时限内可完成")
    assert told(since) == [("handler", "extension")]
    assert "时限内可完成" in Notification.objects.get(id__gt=since).body


def test_voiding_holding_or_recategorising_tells_the_departments_their_order_is_withdrawn(
    people,
):
    # Voided: both departments' orders, one waiting and one in hand, are withdrawn.
    case = dispatched(people, people.police)
    take_task(actor=people.handler, task=case.tasks.get(department=people.cg))
    since = last_id()
    void_case(actor=people.dispatcher, case=case, reason="重复录入")
    assert told(since) == [("handler", "withdrawn"), ("police", "withdrawn")]
    body = Notification.objects.filter(kind="withdrawn", recipient=people.handler).get().body
    assert case.number in body and "重复录入" in body

    # On hold, and re-categorised: the department is told each time.
    held = dispatched(people, idempotency_key="2")
    since = last_id()
    hold_case(
        actor=people.dispatcher,
        case=held,
        reason="待拆迁后处理",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    assert told(since) == [("handler", "withdrawn")]
    moved = dispatched(people, idempotency_key="3")
    since = last_id()
    other = Category.objects.create(code="other", name="其他", default_lead=people.cg)
    recategorise_case(actor=people.dispatcher, case=moved, category=other)
    assert told(since) == [("handler", "withdrawn")]

    # A department that has finished is not told: 城管 handled its part, 公安 had not.
    shared = dispatched(people, people.police, idempotency_key="4")
    done = shared.tasks.get(department=people.cg)
    take_task(actor=people.handler, task=done)
    handle_task(actor=people.handler, task=done, result="已清理")
    since = last_id()
    void_case(actor=people.dispatcher, case=shared, reason="误报")
    assert told(since) == [("police", "withdrawn")]
