"""The registry's JSON API: bad input answers 400 with translated messages per field."""

import pytest
from django.test import Client

from zhili.people import services
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


NUMBER_IN_ADDRESS = (
    "Phone and ID-card numbers are not accepted in the address; "
    "send the search in the body of POST /api/v1/people/search."
)


def search(client, **body):
    return client.post("/api/v1/people/search", body, content_type="application/json")


def test_the_search_finds_a_whole_phone_sent_in_the_body(secretary, people_everywhere):
    phone = people_everywhere.in_c1.phone

    response = search(secretary, q=f"+86 {phone}")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [p["name"] for p in response.json()["items"]] == ["甲一"]


def test_the_search_finds_an_id_number_and_pages_like_the_list(secretary, cast, city):
    services.register_person(
        actor=cast.secretary, name="赵六", id_number=ID_F_1985, address_place=city.k1
    )

    found = search(secretary, q=ID_F_1985)
    paged = secretary.post(
        "/api/v1/people/search?limit=1&offset=1", {"q": ""}, content_type="application/json"
    )

    assert [p["name"] for p in found.json()["items"]] == ["赵六"]
    assert (paged.json()["count"], len(paged.json()["items"])) == (3, 1)


def test_the_search_within_a_place_outside_the_area_is_not_found(secretary, city):
    unknown = search(secretary, q="甲", place=10**6)

    response = search(secretary, q="甲", place=city.c3.pk)

    assert (response.status_code, response.json()) == (404, unknown.json())


@pytest.mark.parametrize(
    "q",
    [
        "13912345678",
        "+86 139 1234 5678",
        "139-1234-5678",
        ID_F_1985,
        "0798-6812345",
        "张红 13912345678",
        "1391234",
    ],
)
def test_the_list_refuses_a_number_in_its_address(secretary, people_everywhere, q):
    response = secretary.get("/api/v1/people/", {"q": q})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": zh("Please correct the errors below."),
        "fields": {"q": [zh(NUMBER_IN_ADDRESS)]},
    }


def test_the_list_still_searches_names_in_its_address(secretary, people_everywhere):
    response = secretary.get("/api/v1/people/", {"q": "甲"})

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["items"]] == ["甲一"]


def test_a_post_without_the_csrf_token_is_refused_in_chinese(cast, city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.secretary)
    response = client.post(
        "/api/v1/people/",
        {"name": "某人", "address_place_id": city.g1.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"
    assert response.json()["message"] == "表单已过期或来源不明，请刷新页面。"
