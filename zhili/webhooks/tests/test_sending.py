"""Sending: a real worker POSTs signed deliveries to a receiver on loopback; failures are
retried with backoff until one succeeds, exactly once per event; lost jobs are found again."""

import datetime as dt
import socket
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from zhili.cases.services.flow import accept_case, dispatch_case
from zhili.cases.tests.conftest import whistle
from zhili.core.tasks import HOUSEKEEPING
from zhili.webhooks.models import Attempt, Delivery, DeliveryState
from zhili.webhooks.services import LOST_AFTER, deliver, requeue_lost_deliveries
from zhili.webhooks.tasks import requeue_lost_deliveries as requeue_task
from zhili.webhooks.tests.conftest import DB_TASKS

SECOND = dt.timedelta(seconds=1)


def codes(delivery: Delivery) -> list:
    return list(delivery.attempt_rows.order_by("number").values_list("status_code", flat=True))


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
@override_settings(TASKS=DB_TASKS)
def test_a_worker_delivers_every_event_once_signed(loop, hook_endpoint, receiver):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    # Queued after each act's commit; nothing is sent until a worker runs.
    assert receiver.received == []
    assert DBTaskResult.objects.count() == 3

    call_command("worker", "--burst")

    assert [r.event for r in receiver.received] == ["created", "accepted", "dispatched"]
    assert all(r.verified for r in receiver.received)
    deliveries = list(hook_endpoint.deliveries.order_by("id"))
    for delivery, got in zip(deliveries, receiver.received, strict=True):
        assert got.event_id == str(delivery.event_id)
        assert got.payload == delivery.payload
        assert got.attempt == 1
        assert got.headers["Content-Type"] == "application/json; charset=utf-8"
        assert got.headers["Zhili-Signature"].startswith(f"t={got.headers['Zhili-Timestamp']},v1=")
        assert (delivery.state, delivery.attempts, codes(delivery)) == ("delivered", 1, [200])
    hook_endpoint.refresh_from_db()
    assert (hook_endpoint.last_response_code, hook_endpoint.last_error) == (200, "")


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, WEBHOOK_BACKOFF_SECONDS=0)
def test_a_receiver_that_fails_twice_gets_each_event_exactly_once(loop, hook_endpoint, receiver):
    receiver.fail_first = 2
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)

    call_command("worker", "--burst")  # each failure queues the next attempt; backoff is 0

    by_event = {}
    for got in receiver.received:
        by_event.setdefault(got.event, []).append(got.answered)
    assert by_event == {"created": [500, 500, 200], "accepted": [500, 500, 200]}
    assert receiver.events() == ["accepted", "created"]  # one success each
    for delivery in hook_endpoint.deliveries.all():
        assert (delivery.state, delivery.attempts, codes(delivery)) == (
            "delivered",
            3,
            [500, 500, 200],
        )
    # Running the worker and housekeeping again sends nothing more.
    call_command("housekeeping")
    call_command("worker", "--burst")
    assert len(receiver.received) == 6


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, WEBHOOK_BACKOFF_SECONDS=30)
def test_a_retry_whose_job_was_lost_in_a_restart_is_sent_once_by_housekeeping(
    loop, hook_endpoint, receiver
):
    assert requeue_task in HOUSEKEEPING
    receiver.fail_first = 1
    whistle(loop)
    call_command("worker", "--burst")
    delivery = hook_endpoint.deliveries.get()
    assert (delivery.state, codes(delivery)) == ("pending", [500])
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert retry.run_after == delivery.next_attempt_at
    assert delivery.next_attempt_at == delivery.attempt_rows.get().at + 30 * SECOND

    # The queue is lost (Redis flushed, a database restored…), and ten minutes pass.
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=F("next_attempt_at") - dt.timedelta(minutes=10)
    )
    call_command("worker", "--burst")
    assert len(receiver.received) == 1  # nothing left to run it

    call_command("housekeeping")
    call_command("worker", "--burst")

    delivery.refresh_from_db()
    assert (delivery.state, codes(delivery)) == ("delivered", [500, 200])
    assert [r.answered for r in receiver.received] == [500, 200]
    call_command("housekeeping")
    call_command("worker", "--burst")
    assert len(receiver.received) == 2


def test_retries_wait_twice_as_long_each_time_then_give_up(
    loop, hook_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    receiver.status = 503
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    DBTaskResult.objects.all().delete()

    states, waits = [], []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            states.append(deliver(delivery.pk))
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            last = delivery.attempt_rows.order_by("-number").first()
            waits.append(delivery.next_attempt_at - last.at)
            # The wait passes.
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    assert states == ["pending", "pending", "failed"]
    assert waits == [30 * SECOND, 60 * SECOND]
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert codes(delivery) == [503, 503, 503]
    assert DBTaskResult.objects.count() == 2  # the two retries, each to run after its wait
    assert deliver(delivery.pk) == "failed"
    assert len(receiver.received) == 3


def test_a_job_that_runs_before_its_time_or_after_success_sends_nothing(
    loop, hook_endpoint, receiver
):
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + 30 * SECOND)
    assert deliver(delivery.pk) == "not_due"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert deliver(delivery.pk) == "delivered"
    assert deliver(delivery.pk) == "delivered"
    assert len(receiver.received) == 1


def test_the_immediate_backend_sends_at_commit_and_leaves_retries_to_housekeeping(
    loop, hook_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    receiver.fail_first = 1
    with django_capture_on_commit_callbacks(execute=True):
        whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    # It cannot wait, so it queues no retry (which would run at once).
    assert (delivery.state, codes(delivery)) == ("pending", [500])

    assert requeue_lost_deliveries(now=delivery.next_attempt_at) == 0  # not yet lost
    # Housekeeping, a while after the retry was due.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - LOST_AFTER - SECOND
    )
    assert requeue_lost_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.state, codes(delivery)) == ("delivered", [500, 200])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_timeouts_refusals_and_redirects_are_failed_attempts(
    loop, hook_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT = 0.3
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()

    def attempt():
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=False):
            assert deliver(delivery.pk) == "pending"
        return delivery.attempt_rows.order_by("-number").first()

    receiver.delay = 1.0
    slow = attempt()
    receiver.delay = 0
    receiver.redirect_to = "http://127.0.0.1:9/elsewhere"
    moved = attempt()
    hook_endpoint.url = f"http://127.0.0.1:{_closed_port()}/hooks"
    hook_endpoint.save()
    refused = attempt()

    assert (slow.status_code, slow.error) == (None, "timed out")
    assert 300 <= slow.duration_ms < 1000
    assert (moved.status_code, moved.error) == (302, "HTTP 302")
    assert (refused.status_code, refused.error) == (None, "connection refused")
    # The redirect was not followed: the receiver saw two requests (slow, moved), no third.
    assert [r.answered for r in receiver.received] == [200, 302]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        "pending",
        3,
        "connection refused",
    )
    hook_endpoint.refresh_from_db()
    assert (hook_endpoint.last_response_code, hook_endpoint.last_error) == (
        None,
        "connection refused",
    )


def test_a_disabled_endpoints_deliveries_wait_for_it(loop, hook_endpoint, receiver):
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    hook_endpoint.is_active = False
    hook_endpoint.save()

    assert deliver(delivery.pk) == "paused"
    assert requeue_lost_deliveries(now=timezone.now() + LOST_AFTER + SECOND) == 0
    assert receiver.received == []
    assert Attempt.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_delivery_at_once_send_it_once(loop, hook_endpoint, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; a SQLite deployment runs one worker")
    receiver.delay = 0.5  # the first worker holds the row while the receiver thinks
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    start = threading.Barrier(3)
    outcomes = []

    def send():
        try:
            start.wait()
            outcomes.append(deliver(delivery.pk))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # One sent; the others skipped the locked row (or, arriving after, found it delivered).
    assert outcomes.count("delivered") >= 1 and set(outcomes) <= {"busy", "delivered"}
    assert len(outcomes) == 3
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, codes(delivery)) == (DeliveryState.DELIVERED, [200])
