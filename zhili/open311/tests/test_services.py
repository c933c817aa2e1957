"""Discovery, the service list and service definitions, in JSON and XML."""

import pytest
from django.utils import timezone

from zhili.open311.tests.helpers import both, parse

pytestmark = pytest.mark.django_db


def test_discovery_names_the_v2_endpoint_and_both_formats(client, o311, settings):
    settings.DEBUG = False
    data, root, status = both(client, "/open311/discovery")
    assert status == 200
    assert root.tag == "discovery"
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == data["changeset"]
    assert root.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_the_service_list_shows_active_categories_as_services(client, o311):
    o311.category.__class__.objects.create(code="old", name="旧分类", is_active=False)
    data, root, status = both(client, "/open311/v2/services")
    assert status == 200
    assert root.tag == "services" and [e.tag for e in root] == ["service"] * 3
    assert [s["service_code"] for s in data] == ["jtsg", "parking", "road"]
    accident = data[0]
    assert accident == {
        "service_code": "jtsg",
        "service_name": "交通事故",
        "description": "道路上的交通事故",
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": "道路交通",
    }
    assert data[1]["metadata"] is False and data[1]["group"] is None
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_lists_the_extra_questions_in_order(client, o311):
    data, root, status = both(client, "/open311/v2/services/jtsg")
    assert status == 200
    assert root.tag == "service_definition"
    assert data["service_code"] == "jtsg"
    injured, vehicles, count = data["attributes"]
    assert injured == {
        "variable": True,
        "code": "injured",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": injured["datatype_description"],
        "order": 1,
        "description": "有无人员受伤",
        "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "无"}],
    }
    assert injured["datatype_description"]
    assert (vehicles["order"], vehicles["datatype"], vehicles["required"]) == (
        2,
        "multivaluelist",
        False,
    )
    assert (count["order"], count["datatype"], count["values"]) == (3, "number", [])
    assert [v.find("key").text for v in root.iter("value")] == ["yes", "no", "car", "ebike"]


def test_a_service_without_questions_has_an_empty_definition(client, o311):
    data, root, status = both(client, "/open311/v2/services/parking")
    assert (status, data) == (200, {"service_code": "parking", "attributes": []})
    assert list(root.find("attributes")) == []


def test_an_unknown_service_is_404_with_the_error_list(client, o311):
    data, root, status = both(client, "/open311/v2/services/nosuch")
    assert status == 404
    assert root.tag == "errors" and root[0].tag == "error"
    [error] = data
    assert error["code"] == 404 and "nosuch" in error["description"]


@pytest.mark.parametrize(
    "path",
    ["/open311/discovery", "/open311/v2/services", "/open311/v2/services/parking"],
)
def test_reading_endpoints_refuse_other_methods(client, o311, path):
    data, root, status = both(client, path, method="delete")
    assert status == 405
    assert data[0]["code"] == 405
    response = client.put(f"{path}.json")
    assert response.status_code == 405 and "GET" in response["Allow"]


def test_an_unknown_format_is_refused_in_xml(client, o311):
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    root = parse(response)
    assert root.tag == "errors" and "csv" in root.find("error/description").text


def test_jurisdiction_id_is_optional_but_checked(client, o311, settings):
    settings.OPEN311_JURISDICTION_ID = "leping.gov.cn"
    ok, _root, status = both(
        client, "/open311/v2/services", data={"jurisdiction_id": "leping.gov.cn"}
    )
    assert status == 200 and len(ok) == 3
    _data, _root, status = both(client, "/open311/v2/services", data={"jurisdiction_id": ""})
    assert status == 200
    data, _root, status = both(
        client, "/open311/v2/services", data={"jurisdiction_id": "sfgov.org"}
    )
    assert status == 404
    assert "sfgov.org" in data[0]["description"]
    _data, _root, status = both(
        client, "/open311/v2/services/jtsg", data={"jurisdiction_id": "sfgov.org"}
    )
    assert status == 404


def test_the_changeset_moves_when_a_category_is_changed(client, o311):
    from zhili.audit.services import record_audit

    before = client.get("/open311/discovery.json").json()["changeset"]
    record = record_audit(actor=o311.admin, action="category.admin_update", obj=o311.accident)
    after = client.get("/open311/discovery.json").json()["changeset"]
    assert after != before
    assert after == timezone.localtime(record.at).isoformat(timespec="seconds")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_405_in_the_error_list_even_without_a_csrf_cookie(o311, method):
    """No Open311 endpoint acts on a cookie, so none asks for a CSRF token: a client that
    uses the wrong method reads the spec's error list, not Django's CSRF page."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    for path in ("/open311/discovery.json", "/open311/v2/services.json"):
        response = getattr(strict, method)(path)
        assert response.status_code == 405, path
        assert parse(response) == [{"code": 405, "description": parse(response)[0]["description"]}]
