"""The registry's JSON API: bad input answers 400 with translated messages per field."""

import pytest

from zhili.people.models import Person
from zhili.people.tests.helpers import AuditWatch, zh

ID_F_1985 = "360281198503090122"  # GB 11643-valid (test_services.py works it out)
PHONE_MESSAGE = (
    "Enter an 11-digit mobile number (e.g. 13812345678) or a landline such as 0798-6812345."
)
CHECK_MESSAGE = "The ID-card number's check digit is wrong; please check it for a typing error."


@pytest.fixture
def secretary(client, cast):
    client.force_login(cast.secretary)
    return client


def post(client, language="zh-hans", **payload):
    return client.post(
        "/api/v1/people/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


def test_bad_numbers_answer_400_with_a_message_per_field(secretary, city):
    response = post(
        secretary,
        name="张三",
        phone="12345",
        id_number=ID_F_1985[:-1] + "6",
        address_place_id=city.g1.pk,
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": zh("Please correct the errors below."),
        "fields": {"phone": [zh(PHONE_MESSAGE)], "id_number": [zh(CHECK_MESSAGE)]},
    }
    assert not Person.objects.filter(name="张三").exists()


def test_the_messages_follow_the_callers_language(secretary, city):
    response = post(secretary, "en", name="张三", phone="12345", address_place_id=city.g1.pk)

    assert response.json()["fields"] == {"phone": [PHONE_MESSAGE]}
    assert response.json()["message"] == "Please correct the errors below."


def test_a_malformed_request_names_its_fields(secretary, city):
    response = post(
        secretary, phone="13912345678", birth_date="1985-02-30", address_place_id="翠平"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"name", "birth_date", "address_place_id"}


def test_a_good_request_registers_and_answers_201_with_the_record(secretary, cast, city):
    watch = AuditWatch()

    response = post(
        secretary,
        name="张三",
        phone="+86 139 1234 5678",
        id_number=ID_F_1985,
        political_status="party",
        party_member_status="retired",
        address_place_id=city.k1.pk,
    )

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(name="张三")
    assert body["id"] == person.pk
    assert (body["gender"], body["birth_date"], body["phone"], body["id_number"]) == (
        "F",
        "1985-03-09",
        "13912345678",
        ID_F_1985,
    )
    [record] = watch.new()
    assert (record.action, record.actor) == ("person.register", cast.secretary)


def test_the_api_refuses_a_duplicate_id_number(secretary, city):
    post(secretary, name="先", id_number=ID_F_1985, address_place_id=city.g1.pk)

    response = post(secretary, name="后", id_number=ID_F_1985.lower(), address_place_id=city.g1.pk)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "id_number": [zh("A person with this ID-card number is already registered.")]
    }


def test_the_list_pages_with_limit_and_offset(secretary, people_everywhere):
    first = secretary.get("/api/v1/people/?limit=2&offset=0").json()
    rest = secretary.get("/api/v1/people/?limit=2&offset=2").json()

    assert first["count"] == rest["count"] == 3  # 李快递, 王居民 and 甲一 live in 翠平社区
    names = [p["name"] for p in first["items"] + rest["items"]]
    assert sorted(names) == sorted(["李快递", "王居民", "甲一"])


def test_the_list_searches_by_whole_phone(secretary, people_everywhere):
    phone = people_everywhere.in_c1.phone

    response = secretary.get("/api/v1/people/", {"q": f"+86 {phone}"})

    assert [p["name"] for p in response.json()["items"]] == ["甲一"]
