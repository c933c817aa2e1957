"""The registry pages as a community secretary uses them: register, correct, search, export."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhili.core.permissions import Role
from zhili.exports.tests.helpers import export_through_the_pages
from zhili.people import services
from zhili.people.models import Person
from zhili.people.tests.helpers import AuditWatch, zh
from zhili.people.tests.html import by_testid, one_testid, parse, table_rows
from zhili.testing.factories import PersonFactory, UserFactory, grant

ID_F_1985 = "360281198503090122"  # GB 11643-valid (test_services.py works it out)


def form_data(place, **overrides) -> dict:
    data = {
        "name": "张三",
        "id_number": "",
        "phone": "",
        "gender": "",
        "birth_date": "",
        "political_status": "masses",
        "party_member_status": "",
        "education": "",
        "origin": "",
        "address_place": place.pk,
        "address_detail": "",
    }
    data.update(overrides)
    return data


def field_error(response, field) -> list[str]:
    return [
        li.text()
        for el in parse(response.content).find_all(data_testid=f"error-{field}")
        for li in el.find_all("li")
    ]


@pytest.fixture
def secretary(client, cast):
    client.force_login(cast.secretary)
    return client


def test_bad_input_shows_field_errors_and_registers_nobody(secretary, city):
    watch = AuditWatch()
    response = secretary.post(
        "/people/new/",
        form_data(
            city.g1, id_number=ID_F_1985[:-1] + "6", phone="1380000", political_status="party"
        ),
    )

    assert response.status_code == 200
    assert field_error(response, "id_number") == [
        zh("The ID-card number's check digit is wrong; please check it for a typing error.")
    ]
    assert field_error(response, "phone") == [
        zh("Enter an 11-digit mobile number (e.g. 13812345678) or a landline such as 0798-6812345.")
    ]
    assert field_error(response, "party_member_status") == [
        zh("For a party member, say whether retired or in service.")
    ]
    assert not Person.objects.filter(name="张三").exists()
    assert watch.new() == []
    # What the secretary typed is still there to correct.
    [phone_input] = parse(response.content).find_all("input", name="phone")
    assert phone_input.attrs["value"] == "1380000"


def test_a_birth_date_that_disagrees_with_the_id_number_is_shown_on_its_field(secretary, city):
    response = secretary.post(
        "/people/new/", form_data(city.g1, id_number=ID_F_1985, birth_date="1985-09-03")
    )

    assert field_error(response, "birth_date") == [
        zh(
            "The birth date differs from the one in the ID-card number (%(date)s).",
            date="1985-03-09",
        )
    ]
    assert not Person.objects.filter(name="张三").exists()


def test_a_place_outside_the_area_is_not_a_valid_choice(secretary, city):
    response = secretary.post("/people/new/", form_data(city.g3))

    assert response.status_code == 200
    assert len(field_error(response, "address_place")) == 1
    assert not Person.objects.filter(name="张三").exists()


def test_a_missing_name_is_a_field_error(secretary, city):
    response = secretary.post("/people/new/", form_data(city.g1, name=""))

    assert len(field_error(response, "name")) == 1
    assert Person.objects.count() == 2  # the cast's courier and resident only


def test_good_input_registers_and_shows_the_new_record(secretary, cast, city):
    watch = AuditWatch()
    response = secretary.post(
        "/people/new/",
        form_data(
            city.k1,
            id_number=ID_F_1985,
            phone="139 1234 5678",
            political_status="party",
            party_member_status="in_service",
            education="college",
            origin="江西乐平",
            address_detail="5栋 302",
        ),
    )

    person = Person.objects.get(name="张三")
    assert (response.status_code, response["Location"]) == (302, f"/people/{person.pk}/")
    assert (person.gender, person.birth_date, person.phone) == (
        "F",
        dt.date(1985, 3, 9),
        "13912345678",
    )
    [record] = watch.new()
    assert (record.action, record.actor) == ("person.register", cast.secretary)

    page = secretary.get(response["Location"])
    assert one_testid(page.content, "phone") == "13912345678"
    assert one_testid(page.content, "id-number") == ID_F_1985
    assert zh("%(name)s is registered.") % {"name": "张三"} in page.content.decode()


@pytest.fixture
def zhang(cast, city):
    return PersonFactory(name="张红", phone="13912345678", address_place=city.g1)


def edit_data(secretary, person, **changes) -> dict:
    """The edit form as the page fills it in, with the changes typed over it."""
    page = parse(secretary.get(f"/people/{person.pk}/edit/").content)
    data = {}
    for el in page.find_all("input"):
        if el.attrs.get("name") and el.attrs.get("type") != "submit":
            data[el.attrs["name"]] = el.attrs.get("value", "")
    for el in page.find_all("select"):
        chosen = [o.attrs["value"] for o in el.find_all("option") if "selected" in o.attrs]
        data[el.attrs["name"]] = chosen[0] if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    data.pop("q", None)  # the place picker's search box
    data.pop("next", None)  # the language switcher's
    data.update(changes)
    return data


def test_the_edit_form_shows_the_current_record(secretary, zhang, city):
    data = edit_data(secretary, zhang)

    assert (data["name"], data["phone"], data["address_place"]) == (
        "张红",
        "13912345678",
        str(city.g1.pk),
    )


def test_editing_saves_and_audits(secretary, cast, zhang, city):
    watch = AuditWatch()
    response = secretary.post(
        f"/people/{zhang.pk}/edit/",
        edit_data(secretary, zhang, phone="139-8765-4321", address_place=city.k1.pk),
    )

    assert (response.status_code, response["Location"]) == (302, f"/people/{zhang.pk}/")
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.address_place) == ("13987654321", city.k1)
    [record] = watch.new()
    assert (record.action, record.actor) == ("person.update", cast.secretary)
    assert record.changes == {
        "phone": ["139****5678", "139****4321"],
        "address_place": ["翠平一网格", "翠平花园"],
    }


def test_editing_with_bad_input_keeps_the_record(secretary, zhang):
    response = secretary.post(
        f"/people/{zhang.pk}/edit/", edit_data(secretary, zhang, phone="12", id_number="123")
    )

    assert response.status_code == 200
    assert field_error(response, "phone") and field_error(response, "id_number")
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.id_number) == ("13912345678", "")


def test_a_form_opened_before_someone_elses_change_is_refused(secretary, cast, zhang):
    stale = edit_data(secretary, zhang, name="张红（秘书改）")

    services.update_person(actor=cast.grid_officer, person=zhang, origin="网格员补录")

    response = secretary.post(f"/people/{zhang.pk}/edit/", stale)

    # Said on the form, above what the secretary typed, which is still there to copy.
    assert response.status_code == 200
    page = parse(response.content)
    [alert] = page.find_all("ul", role="alert")
    assert alert.text() == zh("Someone else changed this in the meantime; reload and try again.")
    [name] = page.find_all("input", name="name")
    assert name.attrs["value"] == "张红（秘书改）"
    zhang.refresh_from_db()
    assert (zhang.name, zhang.origin) == ("张红", "网格员补录")


def test_an_htmx_search_answers_only_the_table(secretary, zhang, people_everywhere):
    response = secretary.post("/people/", {"q": "张"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert [row[0] for row in table_rows(response.content, "people-table")] == ["张红"]


def test_the_whole_page_has_the_search_box_and_the_table(secretary, zhang):
    response = secretary.get("/people/")

    assert "<html" in response.content.decode()
    page = parse(response.content)
    [search] = page.find_all("input", name="q", type="search", hx_target="#people-table")
    assert search.attrs["hx-post"] == "/people/"
    # Without script, the box's form posts too; the address never carries the search.
    [form] = page.find_all("form", role="search")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/people/")
    assert search in form.iter()


def test_search_by_a_whole_phone_on_the_page(secretary, zhang):
    found = secretary.post("/people/", {"q": "139 1234 5678"}, HTTP_HX_REQUEST="true")
    partial = secretary.post("/people/", {"q": "1391234"}, HTTP_HX_REQUEST="true")

    assert [row[0] for row in table_rows(found.content, "people-table")] == ["张红"]
    assert table_rows(partial.content, "people-table") == []
    assert zh("Nobody matches.") in partial.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_30_people(secretary, city):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert secretary.get("/people/").status_code == 200
        return len(ctx.captured_queries)

    PersonFactory(address_place=city.g1)
    few = queries()
    PersonFactory.create_batch(27, address_place=city.k1)

    assert queries() == few


def test_the_export_follows_the_search(client, cast, zhang, people_everywhere):
    client.force_login(cast.coordinator)
    client.post("/people/", {"q": "张"}, HTTP_HX_REQUEST="true")

    header, *rows = export_through_the_pages(client)

    assert [(r[0], r[3]) for r in rows] == [("张红", "139****5678")]


def test_the_search_stays_for_paging_and_never_enters_an_address(secretary, city):
    PersonFactory.create_batch(55, name="李四", address_place=city.g1)
    PersonFactory(name="李四", phone="13912345678", address_place=city.g1)

    first = secretary.post("/people/", {"q": "李四"}, HTTP_HX_REQUEST="true")
    second = secretary.get("/people/", {"page": 2})
    by_phone = secretary.post("/people/", {"q": "139-1234-5678"}, HTTP_HX_REQUEST="true")
    again = secretary.get("/people/")

    assert len(table_rows(first.content, "people-table")) == 50
    assert len(table_rows(second.content, "people-table")) == 6
    assert [
        a.attrs["href"]
        for a in parse(first.content).find_all("a")
        if "page=" in a.attrs.get("href", "")
    ] == ["?page=2"]
    assert [row[1] for row in table_rows(by_phone.content, "people-table")] == ["13912345678"]
    # The whole page shows the search it keeps, in the box and nowhere in an address.
    assert [row[1] for row in table_rows(again.content, "people-table")] == ["13912345678"]
    [box] = parse(again.content).find_all("input", name="q", hx_target="#people-table")
    assert box.attrs["value"] == "139-1234-5678"
    addresses = [
        v
        for el in parse(again.content).iter()
        for k, v in el.attrs.items()
        if k in ("href", "action", "hx-get", "hx-post", "src")
    ]
    assert addresses and not [a for a in addresses if "1234" in a]


def test_a_search_posted_without_script_comes_back_as_a_page(secretary, zhang, people_everywhere):
    response = secretary.post("/people/", {"q": "张"})

    assert (response.status_code, response["Location"]) == (302, "/people/")
    assert [row[0] for row in table_rows(secretary.get("/people/").content, "people-table")] == [
        "张红"
    ]


def test_an_emptied_search_box_shows_everyone_again(secretary, zhang):
    secretary.post("/people/", {"q": "王"}, HTTP_HX_REQUEST="true")

    response = secretary.post("/people/", {"q": ""}, HTTP_HX_REQUEST="true")

    assert {row[0] for row in table_rows(response.content, "people-table")} == {
        "张红",
        "李快递",
        "王居民",
    }


def test_each_search_shown_offers_its_own_export_key(secretary, zhang):
    def key(response) -> str:
        [field] = parse(response.content).find_all("input", name="idempotency_key")
        return field.attrs["value"]

    page = secretary.get("/people/")
    searched = secretary.post("/people/", {"q": "张"}, HTTP_HX_REQUEST="true")

    assert key(page) and key(searched) and key(page) != key(searched)


def test_an_export_holds_only_where_the_user_may_export_not_all_they_may_see(
    client, city, cast, people_everywhere
):
    # Dispatcher over the city (sees, no export), secretary of 翠平社区 (exports).
    user = grant(UserFactory(username="two_hats"), Role.DISPATCHER, city.city)
    grant(user, Role.COMMUNITY_SECRETARY, city.c1)
    client.force_login(user)

    listed = {row[0] for row in table_rows(client.get("/people/").content, "people-table")}
    header, *rows = export_through_the_pages(client)

    assert listed == {"李快递", "王居民", "甲一", "乙二", "丙三"}
    assert [(r[0], r[3]) for r in rows] == [
        ("李快递", cast.courier_person.phone),
        ("甲一", people_everywhere.in_c1.phone),
        ("王居民", cast.resident_person.phone),
    ]


def test_the_detail_page_shows_its_change_history_to_the_secretary(secretary, cast, zhang):
    services.update_person(actor=cast.secretary, person=zhang, phone="13987654321")

    page = secretary.get(f"/people/{zhang.pk}/").content.decode()
    assert "139****5678" in page and "139****4321" in page
    assert "13987654321" in by_testid(page, "phone")


def test_correcting_only_the_id_number_on_the_page_brings_its_birth_date(secretary, cast, city):
    person = services.register_person(
        actor=cast.secretary, name="赵六", id_number=ID_F_1985, address_place=city.g1
    )
    corrected = "360281198603090111"  # born 1986-03-09, 17th digit 1: a man

    response = secretary.post(
        f"/people/{person.pk}/edit/", edit_data(secretary, person, id_number=corrected)
    )

    assert response.status_code == 302, field_error(response, "birth_date")
    person.refresh_from_db()
    assert (person.id_number, person.birth_date, person.gender) == (
        corrected,
        dt.date(1986, 3, 9),
        "M",
    )


def test_a_birth_date_typed_against_a_new_id_number_is_still_refused(secretary, cast, city):
    person = services.register_person(
        actor=cast.secretary, name="赵六", id_number=ID_F_1985, address_place=city.g1
    )

    response = secretary.post(
        f"/people/{person.pk}/edit/",
        edit_data(secretary, person, id_number="360281198603090111", birth_date="1986-03-10"),
    )

    assert response.status_code == 200
    assert field_error(response, "birth_date") == [
        zh(
            "The birth date differs from the one in the ID-card number (%(date)s).",
            date="1986-03-09",
        )
    ]
    assert Person.objects.get(pk=person.pk).id_number == ID_F_1985


def test_ones_own_record_is_not_exported_from_outside_the_export_area(
    client, city, cast, people_everywhere
):
    # 丙三 lives in 塔山社区; dispatcher over the city, secretary of 翠平社区.
    user = grant(
        UserFactory(username="bing", person=people_everywhere.in_c3), Role.DISPATCHER, city.city
    )
    grant(user, Role.COMMUNITY_SECRETARY, city.c1)
    client.force_login(user)

    header, *rows = export_through_the_pages(client)

    assert [r[0] for r in rows] == ["李快递", "甲一", "王居民"]
