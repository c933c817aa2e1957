"""The outbox: each act on a case writes one delivery per subscribed endpoint in the act's own
transaction, and what a delivery says (and does not say)."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    rate_case,
    reject_case,
    return_task,
    take_task,
    verify_case,
)
from zhili.cases.tests.conftest import whistle
from zhili.notifications.sweep import sweep
from zhili.webhooks.models import Delivery, DeliveryState, Endpoint, Event
from zhili.webhooks.services import create_endpoint


def local(value):
    return timezone.localtime(value).isoformat() if value else None


def deliveries_of(endpoint) -> list[str]:
    return list(endpoint.deliveries.order_by("id").values_list("event", flat=True))


def test_every_act_writes_one_delivery_per_subscribed_endpoint_and_none_for_others(
    loop, city, hook_endpoint, django_capture_on_commit_callbacks
):
    closing = create_endpoint(
        actor=loop.admin,
        name="结案统计",
        url="http://127.0.0.1:9/closed",
        place=city.city,
        events=["closed", "rated"],
    )
    other_street = create_endpoint(
        actor=loop.admin,
        name="塔山街道平台",
        url="http://127.0.0.1:9/tashan",
        place=city.s2,  # 塔山街道: the case lies in 泊阳街道
        events=list(Event.values),
    )
    disabled = create_endpoint(
        actor=loop.admin,
        name="停用的接收方",
        url="http://127.0.0.1:9/off",
        place=city.city,
        events=list(Event.values),
        is_active=False,
    )

    with django_capture_on_commit_callbacks() as queued:
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = case.tasks.get()
        take_task(actor=loop.handler, task=task)
        handle_task(actor=loop.handler, task=task, result="已清理通道")
        verify_case(actor=loop.grid_officer, case=case, passed=True)
        close_case(actor=loop.dispatcher, case=case)
        rate_case(actor=loop.courier, case=case, rating="satisfied")

    assert deliveries_of(hook_endpoint) == [
        "created",
        "accepted",
        "dispatched",
        "taken",
        "handled",
        "verified",
        "closed",
        "rated",
    ]
    assert deliveries_of(closing) == ["closed", "rated"]
    assert deliveries_of(other_street) == deliveries_of(disabled) == []
    # One send job per delivery, queued after the commit.
    assert len(queued) == 10
    # The same event carries the same id to every endpoint that receives it.
    closed = Delivery.objects.filter(event="closed")
    assert closed.count() == 2
    assert len({d.event_id for d in closed}) == 1
    assert len(set(Delivery.objects.values_list("event_id", flat=True))) == 8
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PENDING}


def test_a_return_and_acts_that_are_not_events(loop, hook_endpoint):
    case = whistle(loop)
    reject_case(actor=loop.dispatcher, case=whistle(loop, description="另一处"), reason="重复")
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    return_task(actor=loop.handler, task=case.tasks.get(), reason="不属本局职责")

    # The rejection is not an event (only the second report's "created" is).
    assert deliveries_of(hook_endpoint) == [
        "created",
        "created",
        "accepted",
        "dispatched",
        "returned",
    ]
    returned = hook_endpoint.deliveries.get(event="returned").payload
    # Every department returned its order: back with the centre, no lead department.
    assert returned["case"]["status"] == "accepted"
    assert returned["case"]["lead_department"] is None
    assert returned["task"]["department"] == {"code": "cg", "name": "城市管理局"}
    assert returned["task"]["status"] == "returned"


@pytest.mark.django_db(transaction=True)
def test_an_act_rolled_back_leaves_no_delivery_and_queues_nothing(loop, hook_endpoint):
    from django_tasks_db.models import DBTaskResult

    case = whistle(loop)
    Delivery.objects.all().delete()
    DBTaskResult.objects.all().delete()

    with pytest.raises(RuntimeError), transaction.atomic():
        accept_case(actor=loop.dispatcher, case=case)
        assert Delivery.objects.filter(event="accepted").count() == 1  # written, then undone
        raise RuntimeError("the request failed after the act")

    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    case.refresh_from_db()
    assert case.status == "reported"


def test_the_payload_describes_the_case_and_nothing_of_its_reporter(loop, hook_endpoint):
    case = whistle(
        loop,
        description="联系我 13912345678，我住3栋",
        address="翠平花园3栋2单元",
        reporter_name="张三丰",
        reporter_phone="13800138000",
    )
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg, co_departments=(loop.police,))
    case.refresh_from_db()
    delivery = hook_endpoint.deliveries.get(event="dispatched")

    assert delivery.payload == {
        "id": str(delivery.event_id),
        "event": "dispatched",
        "occurred_at": delivery.payload["occurred_at"],
        "case": {
            "number": case.number,
            "status": "dispatched",
            "urgency": "normal",
            "category": {"code": "parking", "name": "乱停乱放"},
            "place": {"code": "360281001001001", "name": "翠平一网格"},
            "lead_department": {"code": "cg", "name": "城市管理局"},
            "reported_at": local(case.reported_at),
            "step": "take",
            "step_deadline": local(case.step_deadline),
            "step_deadline_note": None,
            "close_deadline": None,
            "closed_at": None,
            "rating": None,
        },
        "task": None,
    }
    occurred = dt.datetime.fromisoformat(delivery.payload["occurred_at"])
    assert occurred.utcoffset() == dt.timedelta(hours=8)  # Asia/Shanghai at the edges
    assert abs(occurred - timezone.now()) < dt.timedelta(minutes=1)
    text = str([d.payload for d in Delivery.objects.all()])
    for personal in (
        "张三丰",
        "13800138000",
        "13912345678",
        "翠平花园3栋",
        "联系我",
        loop.courier.username,
        loop.courier_person.name,
        loop.courier_person.phone,
    ):
        assert personal not in text


def test_the_signing_secret_is_encrypted_at_rest(hook_endpoint):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint WHERE id = %s", [hook_endpoint.pk])
        [stored] = cursor.fetchone()
    assert hook_endpoint.secret.startswith("whsec_") and len(hook_endpoint.secret) > 40
    assert hook_endpoint.secret not in stored
    assert Endpoint.objects.get(pk=hook_endpoint.pk).secret == hook_endpoint.secret


def test_the_sweep_announces_a_step_overdue_once(loop, hook_endpoint):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    case.refresh_from_db()
    late = case.step_deadline + dt.timedelta(minutes=1)

    sweep(now=late)
    sweep(now=late + dt.timedelta(minutes=5))

    [overdue] = hook_endpoint.deliveries.filter(event="overdue")
    assert overdue.payload["overdue"] == {"step": "dispatch", "deadline": local(case.step_deadline)}
    assert overdue.payload["occurred_at"] == local(late)
    assert overdue.payload["case"]["status"] == "accepted"
    assert overdue.payload["case"]["category"]["code"] == "parking"
