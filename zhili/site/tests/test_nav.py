"""The main navigation: one item marked as the page, the menu button, the inbox in view."""

import json

import pytest

from zhili.people.tests.helpers import zh
from zhili.people.tests.html import parse


def nav_of(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    [nav] = parse(response.content).find_all("nav", **{"class": "mainnav"})
    return nav


@pytest.mark.parametrize(
    "path, current",
    [
        ("/cases/coordination/", "/cases/coordination/"),
        ("/cases/", "/cases/"),
        ("/cases/joint-actions/", "/cases/"),
        ("/", "/"),
        ("/notifications/", "/notifications/"),
    ],
)
def test_one_item_alone_is_marked_as_the_page(client, town, path, current):
    nav = nav_of(client, town.cast.admin, path)

    marked = [a.attrs["href"] for a in nav.find_all("a") if "aria-current" in a.attrs]
    assert marked == [current]


def test_a_phone_gets_one_menu_button_and_the_inbox_beside_it(client, town, monkeypatch):
    coordinator = town.cast.coordinator
    monkeypatch.setattr("zhili.site.context_processors.unread_count", lambda user: 3)

    nav = nav_of(client, coordinator, "/cases/coordination/")

    [button] = nav.find_all("button", data_testid="nav-toggle")
    assert button.text() == zh("Menu")
    assert button.attrs["aria-controls"] == "nav-items"
    # Every other item folds under the button; the inbox and its count stay outside.
    [items] = nav.find_all(data_testid="nav-items")
    assert "/notifications/" not in [a.attrs["href"] for a in items.find_all("a")]
    [inbox] = nav.find_all("a", data_testid="nav-inbox")
    assert inbox.attrs["href"] == "/notifications/"
    assert [b.text() for b in inbox.find_all("b", data_testid="unread-count")] == ["3"]
    # Beside the button, the name of the page the phone is on.
    [current] = nav.find_all("span", **{"class": "nav-current"})
    assert current.text() == zh("Coordination")


def test_map_zoom_buttons_are_titled_in_chinese(client, town):
    client.force_login(town.cast.admin)

    response = client.get(f"/places/{town.city.s1.pk}/")

    [words] = parse(response.content).find_all("script", id="map-words")
    assert json.loads(words.text()) == {"zoomInTitle": "放大", "zoomOutTitle": "缩小"}
