"""Webhooks in admin: administrators register endpoints, read or replace the secret, watch
deliveries and replay them; every such act is audited; nobody else gets in."""

import pytest
from django.urls import reverse

from zhili.audit.models import AuditRecord
from zhili.cases.tests.conftest import whistle
from zhili.core.errors import Forbidden, InvalidInput, NotFound
from zhili.people.tests.helpers import AuditWatch
from zhili.webhooks.models import Delivery, Endpoint
from zhili.webhooks.services import (
    create_endpoint,
    deliver,
    replay_delivery,
    update_endpoint,
)
from zhili.webhooks.tests.conftest import verify

ENDPOINTS = "/admin/webhooks/endpoint/"
DELIVERIES = "/admin/webhooks/delivery/"


def secret_page(endpoint) -> str:
    return reverse("admin:webhooks_endpoint_secret", args=[endpoint.pk])


@pytest.fixture
def delivered(loop, hook_endpoint, receiver):
    """One "created" delivery, sent and answered 200."""
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    assert deliver(delivery.pk) == "delivered"
    delivery.refresh_from_db()
    return delivery


def test_an_administrator_sees_endpoints_deliveries_and_attempts(client, loop, delivered):
    client.force_login(loop.admin)
    endpoint = delivered.endpoint

    listing = client.get(ENDPOINTS)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "城市运行中心" in page and ">200<" in page  # its last status

    for path in (
        f"{ENDPOINTS}add/",
        f"{ENDPOINTS}{endpoint.pk}/change/",
        secret_page(endpoint),
        DELIVERIES,
        f"{DELIVERIES}?state__exact=delivered",
        f"{DELIVERIES}?event__exact=created",
        f"{DELIVERIES}?endpoint__id__exact={endpoint.pk}",
        f"{DELIVERIES}?q={delivered.case_number}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        # The secret is never on a page until asked for.
        assert endpoint.secret not in response.content.decode(), path
    listed = client.get(f"{DELIVERIES}?state__exact=delivered").content.decode()
    assert delivered.case_number in listed
    failed = client.get(f"{DELIVERIES}?state__exact=failed").content.decode()
    assert delivered.case_number not in failed

    detail = client.get(f"{DELIVERIES}{delivered.pk}/change/").content.decode()
    assert str(delivered.event_id) in detail
    assert '{"ok": true}' in detail.replace("&quot;", '"')  # the attempt's response excerpt
    assert "乱停乱放" in detail  # the payload


@pytest.mark.parametrize("role", ["dispatcher", "coordinator", "handler", "courier", "outsider"])
def test_nobody_else_gets_in(client, loop, delivered, role):
    client.force_login(getattr(loop, role))
    for path in (
        ENDPOINTS,
        f"{ENDPOINTS}{delivered.endpoint.pk}/change/",
        secret_page(delivered.endpoint),
        DELIVERIES,
        f"{DELIVERIES}{delivered.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
    response = client.post(DELIVERIES, {"action": "replay", "_selected_action": [delivered.pk]})
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.state == "delivered"


def test_registering_editing_and_removing_an_endpoint_in_admin_is_audited(client, loop, city):
    client.force_login(loop.admin)
    watch = AuditWatch()

    response = client.post(
        f"{ENDPOINTS}add/",
        {
            "name": "数据中台",
            "url": "https://hub.example.org/zhili",
            "place": city.s1.pk,
            "events": ["closed", "created"],
            "is_active": "on",
        },
    )

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == secret_page(endpoint)  # straight to the secret
    assert (endpoint.events, endpoint.place_path) == (["created", "closed"], city.s1.path)
    [created] = watch.new()
    assert (created.action, created.actor, created.place_path) == (
        "webhook_endpoint.create",
        loop.admin,
        city.s1.path,
    )
    assert created.changes["secret"] == [None, "********"]
    assert endpoint.secret not in str(created.changes)

    watch = AuditWatch()
    response = client.post(
        f"{ENDPOINTS}{endpoint.pk}/change/",
        {
            "name": "数据中台",
            "url": "https://127.0.0.1:9/zhili/v2",
            "place": city.s1.pk,
            "events": ["closed", "created"],
            "is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [updated] = watch.new()
    assert updated.action == "webhook_endpoint.update"
    assert updated.changes == {
        "url": ["https://hub.example.org/zhili", "https://127.0.0.1:9/zhili/v2"]
    }

    # Removing it takes its deliveries and their attempts along.
    whistle(loop)
    delivery = endpoint.deliveries.get()
    assert deliver(delivery.pk) == "pending"  # refused: nothing listens there
    assert client.get(f"{ENDPOINTS}{endpoint.pk}/delete/").status_code == 200
    watch = AuditWatch()
    response = client.post(f"{ENDPOINTS}{endpoint.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    assert [r.action for r in watch.new()] == ["webhook_endpoint.delete"]


def test_a_bad_address_is_a_form_error(client, loop, city):
    client.force_login(loop.admin)
    response = client.post(
        f"{ENDPOINTS}add/",
        {"name": "本机文件", "url": "file:///etc/passwd", "place": city.city.pk, "events": []},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"url", "events"}
    assert not Endpoint.objects.exists()


def test_the_secret_is_revealed_or_replaced_on_request_and_each_is_audited(
    client, loop, hook_endpoint
):
    client.force_login(loop.admin)
    old = hook_endpoint.secret
    watch = AuditWatch()

    revealed = client.post(secret_page(hook_endpoint), {"action": "reveal"}).content.decode()
    assert old in revealed

    rotated = client.post(secret_page(hook_endpoint), {"action": "rotate"}).content.decode()
    hook_endpoint.refresh_from_db()
    new = hook_endpoint.secret
    assert new != old and new in rotated and old not in rotated
    assert [r.action for r in watch.new()] == [
        "webhook_endpoint.reveal_secret",
        "webhook_endpoint.rotate_secret",
    ]
    assert all(old not in str(r.changes) and new not in str(r.changes) for r in watch.new())


def test_replay_sends_the_same_event_again_with_a_fresh_signature(
    client, loop, delivered, receiver, django_capture_on_commit_callbacks
):
    client.force_login(loop.admin)
    watch = AuditWatch()

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(DELIVERIES, {"action": "replay", "_selected_action": [delivered.pk]})

    assert response.status_code == 302
    assert len(queued) == 1  # the send job, after the commit
    delivered.refresh_from_db()
    assert delivered.state == "pending"
    [replayed] = watch.new()
    assert (replayed.action, replayed.changes) == (
        "webhook_delivery.replay",
        {"state": ["delivered", "pending"]},
    )

    assert deliver(delivered.pk) == "delivered"
    first, again = receiver.received
    assert again.event_id == first.event_id and again.body == first.body
    assert (first.attempt, again.attempt) == (1, 2)
    assert again.verified
    assert list(delivered.attempt_rows.values_list("number", "status_code")) == [
        (1, 200),
        (2, 200),
    ]


def test_a_replayed_failure_gets_a_new_round_of_attempts(loop, hook_endpoint, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    receiver.status = 500
    whistle(loop)
    delivery = hook_endpoint.deliveries.get()
    assert [deliver(delivery.pk), deliver(delivery.pk)] == ["pending", "failed"]

    receiver.status = 200
    replay_delivery(actor=loop.admin, delivery=delivery)
    assert deliver(delivery.pk) == "delivered"

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.tries_since_replay) == (3, 1)
    assert [r.answered for r in receiver.received] == [500, 500, 200]


def test_only_administrators_manage_endpoints_and_replay(loop, city, delivered):
    with pytest.raises(Forbidden):
        create_endpoint(
            actor=loop.dispatcher,
            name="x",
            url="https://x.example.org/",
            place=city.city,
            events=["closed"],
        )
    with pytest.raises(NotFound):
        update_endpoint(actor=loop.coordinator, endpoint=delivered.endpoint, is_active=False)
    with pytest.raises(NotFound):
        replay_delivery(actor=loop.dispatcher, delivery=delivered)
    with pytest.raises(InvalidInput) as refused:
        create_endpoint(
            actor=loop.admin,
            name="城市运行中心",
            url="ftp://x.example.org/",
            place=city.city,
            events=["sometimes"],
        )
    assert set(refused.value.fields) == {"name", "url", "events"}
    assert not AuditRecord.objects.filter(action__startswith="webhook_delivery").exists()
    assert Delivery.objects.get().state == "delivered"


def test_a_receiver_can_check_a_signature_with_the_documented_recipe(delivered, receiver):
    got = receiver.received[0]
    assert verify(delivered.endpoint.secret, got.headers, got.body)
    assert not verify("whsec_wrong", got.headers, got.body)
    assert not verify(delivered.endpoint.secret, got.headers, got.body + b" ")
    assert not verify(delivered.endpoint.secret, got.headers, got.body, tolerance=-1)
