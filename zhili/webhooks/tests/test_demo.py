"""The demo's webhook: a registered endpoint on a closed port and its refused deliveries,
the same rows for the same cases and `now`."""

import datetime as dt

from zhili.cases.models import CaseEvent
from zhili.cases.services.flow import accept_case
from zhili.cases.tests.conftest import whistle
from zhili.webhooks.demo import DEMO_NAME, DEMO_URL, build_demo, delete_demo
from zhili.webhooks.models import Attempt, Endpoint

MINUTE = dt.timedelta(minutes=1)


def rows(endpoint):
    return [
        (
            d.event_id,
            d.event,
            d.case_number,
            d.state,
            d.attempts,
            d.next_attempt_at,
            d.payload,
            list(d.attempt_rows.values_list("number", "at", "error")),
        )
        for d in endpoint.deliveries.order_by("created_at", "event_id")
    ]


def test_the_demo_endpoint_shows_refused_deliveries_the_same_each_build(client, loop):
    first = whistle(loop)
    accept_case(actor=loop.dispatcher, case=first)
    whistle(loop, description="第二处")
    latest = CaseEvent.objects.order_by("-at").first().at
    now = latest + 20 * MINUTE  # six attempts made (0 s … 15.5 min), the seventh at 31.5 min

    endpoint = build_demo(now=now)

    assert (endpoint.name, endpoint.url, endpoint.is_active) == (DEMO_NAME, DEMO_URL, True)
    built = rows(endpoint)
    assert sorted(r[1] for r in built) == ["accepted", "created", "created"]
    for _id, _event, _number, state, attempts, next_at, payload, attempts_made in built:
        assert (state, attempts, len(attempts_made)) == ("pending", 6, 6)
        assert now < next_at < now + 12 * MINUTE
        assert {error for _n, _at, error in attempts_made} == {"connection refused"}
        assert "小区门口" not in str(payload)
    accepted = next(r for r in built if r[1] == "accepted")
    assert accepted[6]["case"]["status"] == "accepted"
    assert endpoint.last_error == "connection refused"

    delete_demo()
    assert not Endpoint.objects.exists() and not Attempt.objects.exists()
    assert rows(build_demo(now=now)) == built
    # A day later every refused delivery has spent its attempts.
    delete_demo()
    later = build_demo(now=now + dt.timedelta(days=1))
    assert {(d.state, d.attempts) for d in later.deliveries.all()} == {("failed", 8)}

    client.force_login(loop.admin)
    page = client.get("/admin/webhooks/delivery/").content.decode()
    assert first.number in page
    assert client.get(f"/admin/webhooks/endpoint/{later.pk}/change/").status_code == 200


def test_no_city_no_demo_endpoint(db):
    assert build_demo(now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)) is None
