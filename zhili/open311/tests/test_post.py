"""POST requests: a form-encoded service request files a case through report_case."""

import datetime as dt

import pytest

from zhili.audit.models import AuditRecord
from zhili.cases.models import Case, CaseStatus, Channel
from zhili.open311.models import Submission
from zhili.open311.tests.helpers import LAT, LON, form, notice, parse
from zhili.people.tests.helpers import zh

pytestmark = pytest.mark.django_db


def post(client, o311, fmt="json", headers=None, **overrides):
    return client.post(f"/open311/v2/requests.{fmt}", form(o311, **overrides), headers=headers)


def test_a_request_files_a_case_as_the_keys_account(client, o311, city):
    response = post(
        client,
        o311,
        first_name="小明",
        last_name="王",
        phone="138 1234 5678",
        email="wang@example.cn",
        device_id="device-42",
        account_id="user-7",
        media_url="https://img.example.cn/p/1.jpg",
        address_string="翠平社区北门",
    )
    assert response.status_code == 200
    [answer] = parse(response)
    case = Case.objects.get()
    assert answer["service_request_id"] == case.number
    assert answer["token"] == case.open311.token and len(answer["token"]) >= 20
    assert answer["account_id"] == "user-7"
    assert answer["service_notice"] == notice("2 working hours", "3 working days")
    assert case.reporter == o311.key.account
    assert case.channel == Channel.API
    assert case.status == CaseStatus.REPORTED
    assert (case.category, case.place) == (o311.category, city.g1)
    assert (case.latitude, case.longitude) == (LAT, LON)
    assert case.address == "翠平社区北门"
    assert case.description == "消防通道被电动车堵住"
    assert (case.reporter_name, case.reporter_phone) == ("王小明", "13812345678")
    submission = Submission.objects.get()
    assert (submission.email, submission.device_id) == ("wang@example.cn", "device-42")
    assert submission.media_url == "https://img.example.cn/p/1.jpg"
    assert submission.api_key == o311.key
    # The report's one audit record names the key's account as the actor.
    record = AuditRecord.objects.get(action="case.report")
    assert record.actor == o311.key.account


def test_the_xml_answer_has_the_same_fields(client, o311):
    response = post(client, o311, fmt="xml")
    assert response.status_code == 200
    root = parse(response)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert [e.tag for e in request] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    assert request.find("service_request_id").text == Case.objects.get().number
    assert request.find("account_id").text is None


def test_attributes_answer_the_extra_questions(client, o311):
    fields = form(o311, service_code="jtsg")
    fields.update({"attribute[injured]": "no", "attribute[count]": "2"})
    fields["attribute[vehicles][]"] = ["car", "ebike"]
    response = client.post("/open311/v2/requests.json", fields)
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.attributes == {"injured": "no", "vehicles": ["car", "ebike"], "count": 2.0}
    assert case.category == o311.accident


def test_wrong_or_missing_attributes_are_400_naming_them(client, o311):
    fields = form(o311, service_code="jtsg")
    fields.update({"attribute[vehicles][]": ["car", "tank"], "attribute[count]": "several"})
    response = client.post("/open311/v2/requests.json", fields)
    assert response.status_code == 400
    descriptions = sorted(e["description"] for e in parse(response))
    assert [d.split(":")[0] for d in descriptions] == [
        "attribute[count]",
        "attribute[injured]",
        "attribute[vehicles]",
    ]
    assert all(e["code"] == 400 for e in parse(response))
    assert not Case.objects.exists()


def test_the_location_may_be_a_place_code_or_an_address(client, o311, city):
    by_code = post(client, o311, lat=None, long=None, address_id=city.g2.code)
    assert by_code.status_code == 200
    by_name = post(
        client,
        o311,
        lat=None,
        long=None,
        address_string="塔山街道塔山社区人民路5号",
        description="b",
    )
    assert by_name.status_code == 200
    unnamed = post(client, o311, lat=None, long=None, address_string="人民路5号", description="c")
    assert unnamed.status_code == 200
    places = dict(Case.objects.values_list("description", "place__code"))
    assert places == {
        "消防通道被电动车堵住": city.g2.code,
        "b": city.c3.code,  # the most specific place the address names
        "c": city.city.code,  # none named: the city, where the centre will place it
    }
    assert Case.objects.get(description="c").address == "人民路5号"


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"lat": None, "long": None}, "lat/long"),
        ({"lat": "28.9"}, None),  # with long: fine (outside every place, see below)
        ({"long": None}, "lat/long"),
        ({"lat": "north"}, "lat/long"),
        ({"lat": "95"}, "lat/long"),
        ({"lat": "0", "long": "0"}, "lat/long"),
        ({"lat": None, "long": None, "address_id": "999"}, "address_id"),
        ({"description": ""}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"media_url": "file:///etc/passwd"}, "media_url"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, o311, overrides, parameter):
    if parameter is None:
        overrides = {"lat": "28.9", "long": "100.0"}
        parameter = "lat/long"
    for fmt in ("json", "xml"):
        response = post(client, o311, fmt=fmt, **overrides)
        assert response.status_code == 400
        body = parse(response)
        first = body[0]["description"] if fmt == "json" else body.find("error/description").text
        assert first.startswith(f"{parameter}: ")
    assert not Case.objects.exists()


def test_service_code_missing_is_400_unknown_is_404(client, o311):
    missing = post(client, o311, service_code="")
    assert missing.status_code == 400 and "service_code" in parse(missing)[0]["description"]
    unknown = post(client, o311, service_code="nosuch")
    assert unknown.status_code == 404 and "nosuch" in parse(unknown)[0]["description"]
    o311.category.is_active = False
    o311.category.save()
    assert post(client, o311).status_code == 404
    assert not Case.objects.exists()


def test_api_key_missing_bad_or_revoked_is_403(client, o311):
    from zhili.core.permissions import SystemActor
    from zhili.open311.services import revoke_key

    missing = post(client, o311, api_key=None)
    assert missing.status_code == 403
    assert parse(missing) == [
        {"code": 403, "description": zh("api_key is required to file a request.")}
    ]
    bad = post(client, o311, api_key="o311_guess")
    assert (bad.status_code, parse(bad)[0]["description"]) == (403, zh("Invalid api_key."))
    revoke_key(actor=SystemActor("test"), key=o311.key)
    revoked = post(client, o311, fmt="xml")
    assert revoked.status_code == 403
    assert parse(revoked).find("error/description").text == zh("This api_key has been revoked.")
    assert not Case.objects.exists()


def test_a_wrong_jurisdiction_is_404_before_anything_is_filed(client, o311):
    response = post(client, o311, jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert post(client, o311, jurisdiction_id="leping.zhili.local").status_code == 200
    assert Case.objects.count() == 1


def test_a_retried_request_files_one_case(client, o311):
    first = parse(post(client, o311, device_id="d1"))
    again = parse(post(client, o311, device_id="d1", fmt="xml"))
    assert again.find("request/service_request_id").text == first[0]["service_request_id"]
    assert again.find("request/token").text == first[0]["token"]
    assert Case.objects.count() == 1
    # Anything different is another request.
    post(client, o311, device_id="d2")
    post(client, o311, device_id="d1", description="另一处消防通道也被堵")
    assert Case.objects.count() == 3


def test_a_retry_across_midnight_still_finds_its_case(client, o311, monkeypatch):
    from django.utils import timezone

    late = timezone.make_aware(dt.datetime(2026, 5, 6, 23, 59, 30))
    monkeypatch.setattr(timezone, "now", lambda: late)
    first = parse(post(client, o311))[0]["service_request_id"]
    monkeypatch.setattr(timezone, "now", lambda: late + dt.timedelta(minutes=1))
    assert parse(post(client, o311))[0]["service_request_id"] == first
    # A day later the same words are a new report (the problem came back).
    monkeypatch.setattr(timezone, "now", lambda: late + dt.timedelta(days=1, minutes=1))
    assert parse(post(client, o311))[0]["service_request_id"] != first
    assert Case.objects.count() == 2


def test_the_idempotency_key_header_makes_any_retry_one_case(client, o311):
    first = parse(post(client, o311, headers={"Idempotency-Key": "abc-1"}))
    # Even with a changed field (a client that rebuilt its form): the header decides.
    again = parse(
        post(client, o311, description="改过的描述", headers={"Idempotency-Key": "abc-1"})
    )
    assert again == first
    other = parse(post(client, o311, headers={"Idempotency-Key": "abc-2"}))
    assert other[0]["service_request_id"] != first[0]["service_request_id"]
    assert Case.objects.count() == 2


def test_a_body_in_xml_is_never_parsed(client, o311):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f"<service_request><api_key>{o311.raw}</api_key><service_code>parking</service_code>"
        "<description>&c;</description></service_request>"
    )
    response = client.post("/open311/v2/requests.xml", bomb, content_type="text/xml")
    # Not form-encoded: no parameter arrives, so not even the key.
    assert response.status_code == 403
    assert parse(response).tag == "errors"
    # With the key in the query string, the body still says nothing.
    response = client.post(
        f"/open311/v2/requests.xml?api_key={o311.raw}", bomb, content_type="text/xml"
    )
    assert response.status_code == 400
    assert parse(response).find("error/description").text.startswith("service_code")
    assert not Case.objects.exists()


def test_the_post_needs_no_csrf_token(o311):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/open311/v2/requests.json", form(o311))
    assert response.status_code == 200
    # …while the site's forms still do.
    assert strict.post("/cases/report/", {}).status_code == 403


def test_requests_take_get_and_post_only(client, o311):
    response = client.put("/open311/v2/requests.json")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, POST"
    assert parse(response)[0]["code"] == 405


def test_the_service_notice_tells_the_categorys_own_time_limits(client, o311):
    from decimal import Decimal

    from zhili.cases.models import TimeLimit

    for step, amount, unit in (
        ("accept", "1.00", "working_hours"),
        ("handle", "5", "calendar_days"),
    ):
        TimeLimit.objects.create(
            category=o311.category, urgency="normal", step=step, amount=Decimal(amount), unit=unit
        )
    [answer] = parse(post(client, o311))
    assert answer["service_notice"] == notice("1 working hours", "5 calendar days")


def test_a_body_django_cannot_read_is_a_400_in_the_error_list(client, o311, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    fields = {**form(o311), **{f"extra{i}": "x" for i in range(30)}}
    response = client.post("/open311/v2/requests.xml", fields)
    assert response.status_code == 400
    assert parse(response).find("error/code").text == "400"
    response = client.get("/open311/v2/requests.json", {f"q{i}": "x" for i in range(30)})
    assert response.status_code == 400 and parse(response)[0]["code"] == 400
    response = client.post(
        "/open311/v2/requests.json",
        b"not multipart at all",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and parse(response)[0]["code"] == 400
    assert not Case.objects.exists()


def test_the_service_checks_email_and_media_url_whoever_calls_it(o311):
    from zhili.core.errors import InvalidInput
    from zhili.open311.services import file_request

    with pytest.raises(InvalidInput) as refused:
        file_request(
            api_key=o311.key,
            category=o311.category,
            description="消防通道被占",
            longitude=LON,
            latitude=LAT,
            email="not-an-address",
            media_url="file:///etc/passwd",
        )
    assert set(refused.value.fields) == {"email", "media_url"}
    assert not Case.objects.exists()
