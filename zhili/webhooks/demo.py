"""The demo city's webhook: one endpoint registered three days before `now`, pointing at a
closed port on the demo machine, and the deliveries of the last case events since then with
the attempts a worker would have made, all refused; so the admin pages show real rows and
nothing pretends to have been received."""

import datetime as dt
import uuid

from django.conf import settings

from zhili.cases.models import CaseEvent
from zhili.places.models import Place, PlaceKind
from zhili.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint, Event
from zhili.webhooks.payloads import build_payload
from zhili.webhooks.receivers import ACTION_EVENTS
from zhili.webhooks.services import backoff, generate_secret

DEMO_NAME = "区城市运行中心数据中台"
DEMO_URL = "http://127.0.0.1:9/zhili-hook"  # the discard port: nothing listens there
REGISTERED_BEFORE = dt.timedelta(days=3)
DELIVERIES = 6
_IDS = uuid.UUID("5a1e0b6c-2f4e-4d1a-9c57-7a0d3f1b8e21")  # namespace of the demo's event ids


def _schedule(first: dt.datetime) -> list[dt.datetime]:
    """When a worker tries: at once, then after each failure's backoff (services.backoff)."""
    times = [first]
    for tries in range(1, settings.WEBHOOK_MAX_ATTEMPTS):
        times.append(times[-1] + backoff(tries))
    return times


def build_demo(*, now: dt.datetime) -> Endpoint | None:
    """Write the demo endpoint and its deliveries (the same for the same cases and `now`);
    returns the endpoint, or None where there is no city yet. No jobs are queued."""
    city = Place.objects.filter(kind=PlaceKind.CITY).order_by("path").first()
    if city is None:
        return None
    registered = now - REGISTERED_BEFORE
    endpoint = Endpoint.objects.create(
        name=DEMO_NAME,
        url=DEMO_URL,
        place=city,
        events=list(Event.values),
        secret=generate_secret(),
        created_at=registered,
    )
    acts = list(
        CaseEvent.objects.filter(
            action__in=list(ACTION_EVENTS),
            at__gte=registered,
            at__lte=now,
            case__place_path__startswith=city.path,
        )
        .select_related("case__category", "case__place", "task__department")
        .order_by("-at", "-id")[:DELIVERIES]
    )
    last = None
    for act in reversed(acts):
        case, event = act.case, ACTION_EVENTS[act.action]
        event_id = uuid.uuid5(_IDS, f"{case.number}:{act.action}:{act.at.isoformat()}")
        payload = build_payload(event_id=event_id, event=event, at=act.at, case=case, task=act.task)
        payload["case"]["status"] = act.to_status or case.status  # as it was then
        times = _schedule(act.at + dt.timedelta(seconds=1))
        made = [t for t in times if t <= now]
        pending = len(made) < len(times)
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event=event,
            case=case,
            case_number=case.number,
            place_path=case.place_path,
            payload=payload,
            state=DeliveryState.PENDING if pending else DeliveryState.FAILED,
            attempts=len(made),
            next_attempt_at=times[len(made)] if pending else None,
            created_at=act.at,
            last_error="connection refused" if made else "",
        )
        Attempt.objects.bulk_create(
            [
                Attempt(
                    delivery=delivery,
                    number=n,
                    at=at,
                    duration_ms=1,
                    error="connection refused",
                )
                for n, at in enumerate(made, start=1)
            ]
        )
        if made and (last is None or made[-1] > last):
            last = made[-1]
    if last is not None:
        endpoint.last_attempt_at, endpoint.last_error = last, "connection refused"
        endpoint.save(update_fields=["last_attempt_at", "last_error"])
    return endpoint


def delete_demo() -> int:
    """Remove every endpoint with its deliveries (for `zhili demo --reset`, before the places
    go: an endpoint protects its place). Returns how many endpoints went."""
    count = Endpoint.objects.count()
    Endpoint.objects.all().delete()
    return count
