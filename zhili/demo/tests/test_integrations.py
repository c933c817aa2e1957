"""What the demo city shows beyond the case loop's year: the street's joint enforcement
actions, the citizen app that reports through Open311, and the data platform's webhook."""

import datetime as dt
import json
import zoneinfo

import pytest

from zhili.cases.models import Case, CaseEvent, CaseFollower, Channel, JointAction, Receipt
from zhili.demo.builder import build_demo_city, delete_registry
from zhili.open311.demo import DEMO_CLIENT, DEMO_KEY
from zhili.open311.models import ApiKey, Submission
from zhili.webhooks.demo import DEMO_NAME
from zhili.webhooks.models import Delivery, Endpoint

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db):
    return build_demo_city(seed=2026, now=NOW)


def _joint_actions():
    return [
        (
            a.date,
            a.place.code,
            sorted(a.departments.values_list("code", flat=True)),
            sorted(a.cases.values_list("number", flat=True)),
            a.cases_solved,
        )
        for a in JointAction.objects.order_by("date", "id")
    ]


def test_the_street_held_joint_actions_linked_to_its_cases(demo):
    actions = JointAction.objects.prefetch_related("cases", "departments")
    assert demo.counts["joint_actions"] == actions.count() == 8
    for action in actions:
        cases = list(action.cases.all())
        assert cases and action.departments.count() >= 2
        assert all(c.place_path.startswith(action.place.path) for c in cases)
        for case in cases:
            assert CaseEvent.objects.filter(case=case, action="joint_action").exists()
            assert case.reported_at.date() <= action.date <= NOW.date()


def test_the_citizen_app_filed_a_share_of_the_residents_reports(demo, client):
    key = ApiKey.objects.get(name=DEMO_CLIENT)
    filed = Case.objects.filter(channel=Channel.API)
    residents = Case.objects.filter(channel=Channel.RESIDENT)
    assert 100 < filed.count() < residents.count()
    assert set(filed.values_list("reporter", flat=True)) == {key.account_id}
    assert Submission.objects.filter(api_key=key).count() == filed.count()
    assert CaseFollower.objects.filter(user=key.account).count() == filed.count()
    case = filed.filter(status="closed").order_by("number").first()
    report = CaseEvent.objects.get(case=case, action="report")
    assert report.actor_id == key.account_id

    # Anyone can follow it through Open311, by number and by token, and file with the key.
    answer = client.get(f"/open311/v2/requests/{case.number}.json")
    assert answer.status_code == 200
    assert json.loads(answer.content)[0]["status"] == "closed"
    token = Submission.objects.get(case=case).token
    answer = client.get(f"/open311/v2/tokens/{token}.json")
    assert json.loads(answer.content)[0]["service_request_id"] == case.number
    answer = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": DEMO_KEY,
            "service_code": case.category.code,
            "lat": case.latitude,
            "long": case.longitude,
            "description": "路灯不亮",
        },
    )
    assert answer.status_code == 200, answer.content
    assert filed.count() == Submission.objects.count()


def test_the_data_platform_endpoint_has_deliveries_and_the_demo_rebuilds_the_same(demo):
    endpoint = Endpoint.objects.get(name=DEMO_NAME)
    assert Delivery.objects.filter(endpoint=endpoint).count() >= 1
    first = (_joint_actions(), sorted(Submission.objects.values_list("token", flat=True)))
    delete_registry()
    assert not (
        Endpoint.objects.exists() or ApiKey.objects.exists() or JointAction.objects.exists()
    )
    build_demo_city(seed=2026, now=NOW)
    assert (_joint_actions(), sorted(Submission.objects.values_list("token", flat=True))) == first


def _receipts():
    return list(
        Receipt.objects.order_by("received_at", "idempotency_key").values_list(
            "idempotency_key", "status", "case__number", "received_at", "decided_at", "errors"
        )
    )


def test_the_couriers_app_reports_through_the_fast_intake(demo, client):
    receipts = Receipt.objects.all()
    filed = receipts.filter(status="filed")
    recent = Case.objects.filter(
        channel=Channel.COURIER, reported_at__gte=NOW - dt.timedelta(weeks=4)
    )
    assert filed.count() == recent.count() > 50
    for receipt in filed.select_related("case")[:50]:
        assert receipt.case.reporter_id == receipt.reporter_id
        assert receipt.received_at == receipt.case.reported_at < receipt.decided_at
    refused = receipts.filter(status="refused")
    assert refused.count() == 6 and receipts.filter(status="failed").count() == 1
    assert all(r.errors["fields"]["longitude"] for r in refused)
    assert not receipts.filter(status="pending").exists()  # nothing for a worker to change

    # Its courier follows a receipt to the case, as the app does.
    receipt = filed.order_by("received_at").first()
    client.force_login(receipt.reporter)
    answer = client.get(f"/api/v1/reports/{receipt.pk}").json()
    assert answer["status_label"] == "已登记" and answer["case_number"] == receipt.case.number


def test_the_intake_demo_is_the_same_on_every_build_and_goes_with_a_reset(db):
    build_demo_city(seed=2026, now=NOW)
    first = _receipts()
    delete_registry()
    assert not Receipt.objects.exists()
    build_demo_city(seed=2026, now=NOW)
    assert _receipts() == first
