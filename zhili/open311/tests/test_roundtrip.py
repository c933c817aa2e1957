"""A plain HTTP client on loopback (urllib, nothing of ours) lists the services, reads a
definition, files a request with attributes and follows it by token and by id while the
centre runs the case to closed, in JSON and in XML."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from defusedxml import ElementTree as SafeET

from zhili.cases.models import Case
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    take_task,
    verify_case,
)
from zhili.open311.tests.helpers import LAT, LON, as_text, from_xml


def call(url: str, fields: dict | None = None):
    """GET, or POST `fields` form-encoded; returns (status, content type, body as text data)."""
    data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
    request = urllib.request.Request(url, data=data)  # noqa: S310 -- loopback, http only
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, kind, body = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, kind, body = error.code, error.headers["Content-Type"], error.read()
    if kind.startswith("application/json"):
        return status, kind, as_text(json.loads(body))
    assert kind.startswith("text/xml")
    return status, kind, from_xml(SafeET.fromstring(body))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_files_and_follows_a_request_to_closed(live_server, o311, fmt):
    status, kind, discovery = call(f"{live_server.url}/open311/discovery.{fmt}")
    assert status == 200
    [endpoint] = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    base = endpoint["url"]
    assert base == f"{live_server.url}/open311/v2"

    status, kind, services = call(f"{base}/services.{fmt}")
    assert status == 200 and kind.startswith({"json": "application/json", "xml": "text/xml"}[fmt])
    accident = next(s for s in services if s["service_name"] == "交通事故")
    assert accident["metadata"] == "true"

    status, _kind, definition = call(f"{base}/services/{accident['service_code']}.{fmt}")
    assert status == 200
    fields = {
        "api_key": o311.raw,
        "service_code": definition["service_code"],
        "lat": LAT,
        "long": LON,
        "description": "路口两车相撞，无人受伤",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812345678",
    }
    for attribute in sorted(definition["attributes"], key=lambda a: int(a["order"])):
        keys = [v["key"] for v in attribute["values"]]
        if attribute["datatype"] == "singlevaluelist":
            fields[f"attribute[{attribute['code']}]"] = keys[-1]
        elif attribute["datatype"] == "multivaluelist":
            fields[f"attribute[{attribute['code']}][]"] = keys
        elif attribute["datatype"] == "number":
            fields[f"attribute[{attribute['code']}]"] = "2"

    status, _kind, created = call(f"{base}/requests.{fmt}", fields)
    assert status == 200, created
    [created] = created
    token, number = created["token"], created["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.attributes == {"injured": "no", "vehicles": ["car", "ebike"], "count": 2.0}
    assert case.reporter == o311.key.account

    status, _kind, by_token = call(f"{base}/tokens/{token}.{fmt}")
    assert (status, by_token) == (200, [{"service_request_id": number, "token": token}])

    def follow() -> dict:
        status, _kind, [entry] = call(f"{base}/requests/{number}.{fmt}")
        assert status == 200
        status, _kind, listed = call(f"{base}/requests.{fmt}?service_request_id={number}")
        assert status == 200 and listed == [entry]
        return entry

    assert follow()["status"] == "open"
    accept_case(actor=o311.dispatcher, case=case)
    assert follow()["status"] == "open"
    dispatch_case(actor=o311.dispatcher, case=case)  # the category's lead: 公安局
    assert follow()["agency_responsible"] == "公安局"
    [task] = Case.objects.get(pk=case.pk).tasks.all()
    take_task(actor=o311.police_handler, task=task)
    handle_task(actor=o311.police_handler, task=task, result="已疏导交通，车辆移至路边")
    assert follow()["status"] == "open"
    verify_case(actor=o311.grid_officer, case=case, passed=True)
    assert follow()["status"] == "open"
    close_case(actor=o311.dispatcher, case=case)
    entry = follow()
    assert entry["status"] == "closed"
    assert "已疏导交通" in entry["status_notes"]
    assert entry["updated_datetime"].endswith("+08:00")
    status, _kind, closed = call(f"{base}/requests.{fmt}?status=closed")
    assert [e["service_request_id"] for e in closed] == [number]
    # The reporter's name and phone never travel back.
    for value in entry.values():
        assert "王小明" not in str(value) and "13812345678" not in str(value)
