"""Every write of the webhooks app: endpoints (administrators), the outbox (the case loop's
acts and the overdue sweep), sending (workers) and replay (administrators).

The outbox: `record_event` runs inside the act's transaction (zhili.webhooks.receivers), so a
case change and its deliveries commit together or not at all; the send task is queued after
the commit. `deliver` sends one delivery under a row lock, so two workers never both send it;
a failure schedules the next attempt with exponential backoff; `requeue_lost_deliveries`
(housekeeping) queues again what is due and whose job was lost.
"""

import datetime as dt
import logging
import secrets
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.services import changes_between, record_audit
from zhili.cases.models import Case, CaseTask
from zhili.core import permissions
from zhili.core.errors import InvalidInput, NotFound
from zhili.core.permissions import Cap
from zhili.places.models import Place
from zhili.webhooks import transport
from zhili.webhooks.models import (
    Attempt,
    Delivery,
    DeliveryState,
    Endpoint,
    Event,
    validate_hook_url,
)
from zhili.webhooks.payloads import body_of, build_payload, lead_tasks, signature_header
from zhili.webhooks.tasks import send_delivery

log = logging.getLogger(__name__)

# Who manages webhooks: those holding integrations.manage (administrators), over the
# endpoint's area.
MANAGE_CAP = Cap.INTEGRATIONS_MANAGE
SECRET_PREFIX = "whsec_"
# A pending delivery this long past its time is taken as lost by its queue (a worker that
# died, a queue emptied by a restart) and queued again by housekeeping.
LOST_AFTER = dt.timedelta(minutes=5)
_FIELDS = ("name", "url", "place", "events", "is_active")
USER_AGENT = "Zhili-Webhooks/1"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- Endpoints -------------------------------------------------------------------------------


def endpoint_errors(values: dict, exclude_pk=None) -> dict[str, list]:
    """Field errors of an endpoint's settings (the admin form shows the same)."""
    errors: dict[str, list] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    elif Endpoint.objects.exclude(pk=exclude_pk).filter(name=name).exists():
        errors["name"] = [_("Another endpoint has this name.")]
    url = str(values.get("url") or "").strip()
    try:
        if len(url) > 500:
            raise ValidationError("too long")
        validate_hook_url(url)
    except ValidationError:
        errors["url"] = [_("Enter an http:// or https:// address of at most 500 characters.")]
    if not isinstance(values.get("place"), Place):
        errors["place"] = [_("Choose the area whose cases the endpoint receives.")]
    events = values.get("events")
    if not events or not isinstance(events, list | tuple) or set(events) - set(Event.values):
        errors["events"] = [_("Choose at least one event.")]
    return errors


def _check(values: dict, exclude_pk=None) -> dict:
    errors = endpoint_errors(values, exclude_pk)
    if errors:
        raise InvalidInput(fields=errors)
    # Stored in the order of the Event list, whatever order they were chosen in.
    return {
        **values,
        "name": values["name"].strip(),
        "url": values["url"].strip(),
        "events": [e for e in Event.values if e in values["events"]],
    }


def _plain(endpoint: Endpoint) -> dict:
    return {
        "name": endpoint.name,
        "url": endpoint.url,
        "place": str(endpoint.place),
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }


def _place_or_none(place) -> str | None:
    return place.path if isinstance(place, Place) else None


@transaction.atomic
def create_endpoint(
    *, actor, name: str, url: str, place: Place, events: list[str], is_active: bool = True
) -> Endpoint:
    """Register an endpoint with a new secret (read it with `reveal_secret`). Who may:
    administrators over `place`. Raises Forbidden, InvalidInput."""
    permissions.require(actor, MANAGE_CAP, _place_or_none(place))
    values = _check(
        {"name": name, "url": url, "place": place, "events": events, "is_active": is_active}
    )
    endpoint = Endpoint.objects.create(
        **values,
        secret=generate_secret(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_audit(
        actor=actor,
        action="webhook_endpoint.create",
        obj=endpoint,
        place_path=endpoint.place_path,
        # The secret itself never reaches the audit trail.
        changes={**changes_between({}, _plain(endpoint)), "secret": [None, "********"]},
    )
    return endpoint


def _locked(endpoint: Endpoint, actor) -> Endpoint:
    try:
        locked = Endpoint.objects.select_for_update().select_related("place").get(pk=endpoint.pk)
    except Endpoint.DoesNotExist:
        raise NotFound() from None
    if not permissions.can(actor, MANAGE_CAP, locked.place_path):
        raise NotFound()  # another area's endpoint: as if it did not exist
    return locked


@transaction.atomic
def update_endpoint(*, actor, endpoint: Endpoint, **values) -> Endpoint:
    """Change any of name, url, place, events, is_active. Who may: administrators over the
    endpoint's area (and over its new area, when it moves). Raises NotFound, Forbidden,
    InvalidInput. Deliveries already written keep their body; a disabled endpoint's pending
    deliveries wait, and are sent when it is enabled again."""
    endpoint = _locked(endpoint, actor)
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise InvalidInput(fields={f: [_("This field cannot be changed.")] for f in unknown})
    if "place" in values:
        permissions.require(actor, MANAGE_CAP, _place_or_none(values["place"]))
    before = _plain(endpoint)
    merged = _check({**{f: getattr(endpoint, f) for f in _FIELDS}, **values}, endpoint.pk)
    for field in values:
        setattr(endpoint, field, merged[field])
    changes = changes_between(before, _plain(endpoint))
    if changes:
        endpoint.save()
        record_audit(
            actor=actor,
            action="webhook_endpoint.update",
            obj=endpoint,
            place_path=endpoint.place_path,
            changes=changes,
        )
    return endpoint


@transaction.atomic
def delete_endpoint(*, actor, endpoint: Endpoint) -> None:
    """Remove an endpoint with its deliveries and their attempts (to stop sending and keep
    the history, disable it instead). Who may: administrators over its area."""
    endpoint = _locked(endpoint, actor)
    record_audit(
        actor=actor,
        action="webhook_endpoint.delete",
        obj=endpoint,
        place_path=endpoint.place_path,
        changes={k: [v, None] for k, v in _plain(endpoint).items()},
    )
    endpoint.delete()


@transaction.atomic
def reveal_secret(*, actor, endpoint: Endpoint) -> str:
    """The endpoint's signing secret, for an administrator to copy into the receiver; each
    reading is audited. Who may: administrators over its area."""
    endpoint = _locked(endpoint, actor)
    record_audit(
        actor=actor,
        action="webhook_endpoint.reveal_secret",
        obj=endpoint,
        place_path=endpoint.place_path,
    )
    return endpoint.secret


@transaction.atomic
def rotate_secret(*, actor, endpoint: Endpoint) -> str:
    """Replace the signing secret; every attempt from now on is signed with the new one.
    Returns the new secret. Who may: administrators over the endpoint's area."""
    endpoint = _locked(endpoint, actor)
    endpoint.secret = generate_secret()
    endpoint.save(update_fields=["secret"])
    record_audit(
        actor=actor,
        action="webhook_endpoint.rotate_secret",
        obj=endpoint,
        place_path=endpoint.place_path,
        changes={"secret": ["********(old)", "********"]},
    )
    return endpoint.secret


# --- The outbox ------------------------------------------------------------------------------


def _send_after_commit(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    def enqueue():
        if run_after is None:
            send_delivery.enqueue(delivery_id)
        elif send_delivery.get_backend().supports_defer:
            send_delivery.using(run_after=run_after).enqueue(delivery_id)
        # else: a backend that cannot wait (the "immediate" one, for development) would
        # send again at once; housekeeping sends the delivery once it is due.

    # robust: a queue that is down must not fail the act that has just committed; the
    # delivery stays pending and housekeeping queues it again.
    transaction.on_commit(enqueue, robust=True)


def record_event(
    *,
    event: str,
    case: Case,
    task: CaseTask | None = None,
    at: dt.datetime | None = None,
    overdue: dict | None = None,
) -> list[Delivery]:
    """Write one pending delivery of `event` on `case` for each active endpoint subscribed
    to it over the case's place, in the caller's transaction, and queue their sending after
    its commit. Called by the case loop's signals (receivers.py), not by people."""
    values = {"event": event, "case": case, "task": task, "at": at, "overdue": overdue}
    return record_events([values])


def record_events(events: list[dict]) -> list[Delivery]:
    """record_event for many events at once (acts written together: the intake's batch
    filer); each of `events` holds record_event's arguments. One query each reads the
    endpoints, the cases, their orders and lead departments; one statement inserts every
    delivery."""
    if not events:
        return []
    endpoints = list(
        Endpoint.objects.filter(is_active=True).only("events", "place_path", "is_active")
    )
    wanted = []
    for values in events:
        to = [e for e in endpoints if e.wants(values["event"], values["case"].place_path)]
        if to:
            wanted.append((values, to))
    if not wanted:
        return []
    # The payload names the place; its boundary (GeoJSON) is not read.
    cases = (
        Case.objects.select_related("category", "place")
        .defer("place__boundary")
        .in_bulk([values["case"].pk for values, _ in wanted])
    )
    task_ids = [values["task"].pk for values, _ in wanted if values.get("task") is not None]
    tasks = CaseTask.objects.select_related("department").in_bulk(task_ids) if task_ids else {}
    leads = lead_tasks(cases.values())
    rows = []
    for values, to in wanted:
        at = values.get("at") or timezone.now()
        event_id = uuid.uuid4()
        fresh = cases[values["case"].pk]
        task = tasks[values["task"].pk] if values.get("task") is not None else None
        payload = build_payload(
            event_id=event_id,
            event=values["event"],
            at=at,
            case=fresh,
            task=task,
            overdue=values.get("overdue"),
            leads=leads,
        )
        now = timezone.now()
        rows += [
            Delivery(
                endpoint=endpoint,
                event_id=event_id,
                event=values["event"],
                case=fresh,
                case_number=fresh.number,
                place_path=fresh.place_path,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in to
        ]
    deliveries = Delivery.objects.bulk_create(rows)
    for delivery in deliveries:
        _send_after_commit(delivery.pk)
    return deliveries


# --- Sending ---------------------------------------------------------------------------------


def backoff(tries: int) -> dt.timedelta:
    """The wait after the `tries`-th failed attempt: WEBHOOK_BACKOFF_SECONDS, doubled each time."""
    return dt.timedelta(seconds=settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (tries - 1))


def headers_for(delivery: Delivery, secret: str, number: int, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Zhili-Event": delivery.event,
        "Zhili-Event-Id": str(delivery.event_id),
        "Zhili-Attempt": str(number),
        "Zhili-Timestamp": str(timestamp),
        "Zhili-Signature": signature_header(secret, timestamp, body),
    }


def deliver(delivery_id: int) -> str:
    """Make the next attempt of one delivery, if it is pending and due; returns what it did
    ("delivered", "pending" (to be retried), "failed", or why it did nothing). Run by the
    send task in a worker.

    The delivery row stays locked from the check to the record of the answer: a second
    worker with the same job skips it while it is being sent (skip_locked), and finds it no
    longer due afterwards, so one success is ever recorded per delivery. (SQLite has no row
    locks; a SQLite deployment runs one worker.)
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy"  # being sent by another worker right now (or deleted)
        now = timezone.now()
        if delivery.state != DeliveryState.PENDING:
            return str(delivery.state)
        if not delivery.is_due(now):
            return "not_due"
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            return "paused"  # sent once the endpoint is enabled again (housekeeping)
        number = delivery.attempts + 1
        body = body_of(delivery.payload)
        outcome = transport.post(
            endpoint.url,
            body,
            headers_for(delivery, endpoint.secret, number, body),
            timeout=settings.WEBHOOK_TIMEOUT,
        )
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error[:300],
            response_excerpt=outcome.excerpt[:500],
        )
        delivery.attempts = number
        delivery.last_response_code = outcome.status_code
        delivery.last_error = outcome.error[:300]
        if outcome.ok:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.tries_since_replay >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(delivery.tries_since_replay)
            _send_after_commit(delivery.pk, run_after=delivery.next_attempt_at)
        delivery.save(
            update_fields=[
                "attempts",
                "last_response_code",
                "last_error",
                "state",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        # The endpoint's last status for the admin list; never moved back by a slower worker.
        Endpoint.objects.filter(
            Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now), pk=endpoint.pk
        ).update(
            last_attempt_at=now,
            last_response_code=outcome.status_code,
            last_error=outcome.error[:300],
        )
    if not outcome.ok:
        log.info(
            "webhook delivery %s to %s: attempt %s failed (%s)",
            delivery.pk,
            endpoint.name,
            number,
            outcome.error,
        )
    return str(delivery.state)


def requeue_lost_deliveries(*, now: dt.datetime | None = None, limit: int = 10_000) -> int:
    """Queue again the pending deliveries of active endpoints that are overdue by more than
    LOST_AFTER (their job was lost with a worker or a queue); returns how many. A job queued
    twice sends once: `deliver` skips what is no longer due."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(
            state=DeliveryState.PENDING,
            next_attempt_at__lte=now - LOST_AFTER,
            endpoint__is_active=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for pk in ids:
        send_delivery.enqueue(pk)
    return len(ids)


# --- Replay ----------------------------------------------------------------------------------


@transaction.atomic
def replay_delivery(*, actor, delivery: Delivery) -> Delivery:
    """Send a delivery again, now: the same delivery (same event id, same body, a fresh
    signature) goes back to pending with a new round of WEBHOOK_MAX_ATTEMPTS attempts; its
    earlier attempts stay in its history. Who may: administrators over the case's area.
    Raises NotFound, InvalidInput (the endpoint is disabled)."""
    try:
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
    except Delivery.DoesNotExist:
        raise NotFound() from None
    if not permissions.can(actor, MANAGE_CAP, delivery.place_path):
        raise NotFound()
    if not delivery.endpoint.is_active:
        raise InvalidInput(
            fields={"endpoint": [_("The endpoint is disabled; enable it to replay.")]}
        )
    before = delivery.state
    now = timezone.now()
    delivery.state = DeliveryState.PENDING
    delivery.attempts_at_replay = delivery.attempts
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    delivery.save(update_fields=["state", "attempts_at_replay", "next_attempt_at", "delivered_at"])
    record_audit(
        actor=actor,
        action="webhook_delivery.replay",
        obj=delivery,
        place_path=delivery.place_path,
        changes={"state": [before, DeliveryState.PENDING]},
    )
    _send_after_commit(delivery.pk)
    return delivery
