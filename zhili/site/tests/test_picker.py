"""The place picker in the top bar: search within one's area, pick, and the pages follow."""

import pytest

from zhili.exports.tests.helpers import IN_MEMORY_STORAGE, export_through_the_pages
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import one_testid, parse, table_rows
from zhili.places.picker import SESSION_KEY


def picker_results(client, q) -> list[str]:
    """The places offered for `q`, by name; a ticked one is the place being looked at."""
    response = client.get("/places/picker/", {"q": q, "next": "/people/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    return [
        "".join(c for c in button.children if isinstance(c, str)).strip()
        for button in parse(response.content).find_all("button", name="place")
    ]


def pick(client, place, next_url="/people/"):
    return client.post("/places/pick/", {"place": place.pk, "next": next_url})


def people_names(client) -> set[str]:
    return {row[0] for row in table_rows(client.get("/people/").content, "people-table")}


def current_place(client) -> str:
    return one_testid(client.get("/").content, "current-place")


def test_search_by_name_offers_places_within_the_area(client, town):
    client.force_login(town.cast.coordinator)

    assert picker_results(client, "翠平") == ["翠平社区", "翠平一网格", "翠平花园"]
    assert picker_results(client, "塔山") == []


def test_search_by_code_prefix(client, town):
    client.force_login(town.cast.coordinator)

    assert picker_results(client, "360281001002") == ["东湖社区", "东湖一网格"]


def test_the_place_being_looked_at_is_ticked(client, town):
    client.force_login(town.cast.secretary)

    assert picker_results(client, "翠平") == ["翠平社区 ✓", "翠平一网格", "翠平花园"]


def test_a_secretary_cannot_find_the_street_above(client, town):
    client.force_login(town.cast.secretary)

    assert picker_results(client, "360281") == ["翠平社区 ✓", "翠平一网格", "翠平花园"]
    assert zh("No place matches.") in client.get("/places/picker/", {"q": "泊阳"}).content.decode()


def test_picking_a_place_narrows_the_pages(client, town, settings):
    settings.STORAGES = IN_MEMORY_STORAGE  # the export's file: no local folder
    client.force_login(town.cast.coordinator)
    assert people_names(client) == {"李快递", "王居民", "甲一", "乙二"}

    response = pick(client, town.city.c2)

    assert (response.status_code, response["Location"]) == (302, "/people/")
    assert client.session[SESSION_KEY] == town.city.c2.pk
    assert current_place(client) == "东湖社区"
    assert people_names(client) == {"乙二"}
    header, *rows = export_through_the_pages(client)
    assert [r[0] for r in rows] == ["乙二"]


def test_picking_a_place_outside_the_area_is_refused_and_changes_nothing(client, town):
    client.force_login(town.cast.secretary)
    pick(client, town.city.g1)

    response = pick(client, town.city.c3)

    assert response.status_code == 404
    assert client.session[SESSION_KEY] == town.city.g1.pk
    assert current_place(client) == "翠平一网格"
    assert people_names(client) == {"李快递", "甲一"}


def test_picking_an_unknown_place_is_refused_like_one_outside_the_area(client, town):
    client.force_login(town.cast.secretary)

    response = client.post("/places/pick/", {"place": 10**6, "next": "/people/"})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert current_place(client) == "翠平社区"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/people/"])
def test_pick_never_sends_the_user_off_site(client, town, next_url):
    client.force_login(town.cast.coordinator)

    response = pick(client, town.city.c1, next_url)

    assert response["Location"] == "/"


@pytest.mark.parametrize("role", ["volunteer", "courier", "resident", "outsider"])
def test_roles_that_see_no_places_have_no_picker(client, town, role):
    client.force_login(getattr(town.cast, role))

    assert parse(client.get("/").content).find_all(id="place-picker") == []
    assert client.get("/places/picker/", {"q": "翠平"}).status_code == 403
    assert pick(client, town.city.c1).status_code == 403
    assert SESSION_KEY not in client.session
