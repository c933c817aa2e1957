"""The place pages and the place picker, tried by each kind of visitor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhili.audit.models import AuditRecord
from zhili.conftest import LAT, LON
from zhili.places.picker import SESSION_KEY
from zhili.places.services import update_place
from zhili.testing.factories import PersonFactory, make_place, square


def _get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def _detail(place) -> str:
    return reverse("places:detail", args=[place.pk])


# --- The list of places ---------------------------------------------------------------------


def test_the_list_shows_the_top_of_the_visitors_area(client, cast, city):
    page = _get(client, cast.secretary, reverse("places:list")).content.decode()
    assert "翠平社区" in page and _detail(city.c1) in page
    assert _detail(city.city) not in page
    assert "塔山社区" not in page


def test_the_list_shows_the_city_to_a_dispatcher(client, cast, city):
    page = _get(client, cast.dispatcher, reverse("places:list")).content.decode()
    assert _detail(city.city) in page
    assert _detail(city.c1) not in page  # the list starts at the top; the rest is a click away


@pytest.mark.parametrize("who", ["volunteer", "courier", "resident", "outsider"])
def test_the_list_is_forbidden_without_the_capability(client, cast, who):
    assert _get(client, getattr(cast, who), reverse("places:list")).status_code == 403


def test_the_list_sends_an_anonymous_visitor_to_log_in(client, city):
    response = client.get(reverse("places:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('places:list')}"


def test_the_list_refuses_a_post(client, cast):
    client.force_login(cast.secretary)
    assert client.post(reverse("places:list")).status_code == 405


# --- One place ------------------------------------------------------------------------------


def test_a_secretary_sees_her_community_with_its_grids_and_compounds(client, cast, city):
    response = _get(client, cast.secretary, _detail(city.c1))
    assert response.status_code == 200
    page = response.content.decode()
    assert "翠平社区" in page and "360281001001" in page
    assert _detail(city.g1) in page and _detail(city.k1) in page
    # Her street and city are above her area: no links to them in the breadcrumbs.
    assert _detail(city.s1) not in page and _detail(city.city) not in page


def test_a_coordinator_sees_the_way_up_to_his_street_only(client, cast, city):
    page = _get(client, cast.coordinator, _detail(city.g1)).content.decode()
    assert _detail(city.s1) in page and _detail(city.c1) in page
    assert _detail(city.city) not in page


def test_another_communitys_place_is_not_found(client, cast, city):
    assert _get(client, cast.secretary, _detail(city.c3)).status_code == 404
    assert _get(client, cast.secretary, _detail(city.g3)).status_code == 404
    assert _get(client, cast.secretary, _detail(city.s1)).status_code == 404  # above her
    assert _get(client, cast.other_secretary, _detail(city.c1)).status_code == 404


def test_a_place_that_does_not_exist_is_not_found(client, cast, city):
    assert _get(client, cast.admin, reverse("places:detail", args=[987654])).status_code == 404


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_a_place_page_is_forbidden_without_the_capability(client, cast, city, who):
    assert _get(client, getattr(cast, who), _detail(city.c1)).status_code == 403


def test_a_place_page_sends_an_anonymous_visitor_to_log_in(client, city):
    response = client.get(_detail(city.c1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_place_page_refuses_a_post(client, cast, city):
    client.force_login(cast.admin)
    assert client.post(_detail(city.c1)).status_code == 405


def test_the_people_count_is_shown_only_to_who_may_see_people(client, cast, city):
    PersonFactory(address_place=city.c1)
    PersonFactory(address_place=city.c1)
    # The whole subtree counts: these two, the cast's courier (grid g1) and resident (k1).
    secretary_page = _get(client, cast.secretary, _detail(city.c1)).content.decode()
    assert 'href="/people/">4</a>' in secretary_page
    grid_page = _get(client, cast.secretary, _detail(city.g1)).content.decode()
    assert 'href="/people/">1</a>' in grid_page
    handler_page = _get(client, cast.handler, _detail(city.c1)).content.decode()
    assert 'href="/people/">' not in handler_page


def test_a_place_with_a_boundary_carries_its_map_data(client, cast, city):
    response = _get(client, cast.secretary, _detail(city.c1))
    assert 'id="map-data"' in response.content.decode()
    boundless = make_place("grid", "360281001001002", "翠平二网格", city.c1, None)
    response = _get(client, cast.secretary, _detail(boundless))
    assert 'id="map-data"' not in response.content.decode()


def test_the_change_history_shows_on_the_page_only_to_who_may_see_it(client, cast, city):
    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    for who in ("secretary", "coordinator", "admin"):
        page = _get(client, getattr(cast, who), _detail(city.c1)).content.decode()
        assert 'id="audit-trail"' in page and "place.update" in page, who
        assert "翠平社区 → 翠平新社区" in page, who
    for who in ("dispatcher", "grid_officer", "handler"):
        page = _get(client, getattr(cast, who), _detail(city.c1)).content.decode()
        assert 'id="audit-trail"' not in page and "place.update" not in page, who


def test_a_place_page_costs_the_same_queries_however_many_children(client, cast, city):
    client.force_login(cast.secretary)
    client.get(_detail(city.c1))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(_detail(city.c1)).status_code == 200
    for n in range(2, 8):
        make_place(
            "grid",
            f"36028100100100{n}",
            f"翠平{n}网格",
            city.c1,
            square(LON + 0.005, LAT + 0.0005 * n, 0.0005),
        )
    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    with CaptureQueriesContext(connection) as many:
        page = client.get(_detail(city.c1)).content.decode()
    assert "翠平7网格" in page
    assert len(many) == len(few)


# --- The picker -----------------------------------------------------------------------------


def test_the_picker_finds_places_by_name_or_code_within_scope(client, cast, city):
    page = _get(client, cast.secretary, reverse("places:picker"), q="翠平").content.decode()
    assert "翠平社区" in page and "翠平一网格" in page and "翠平花园" in page
    page = _get(client, cast.secretary, reverse("places:picker"), q="360281001001").content.decode()
    assert "翠平一网格" in page
    page = _get(client, cast.secretary, reverse("places:picker"), q="塔山").content.decode()
    assert "塔山" not in page
    page = _get(client, cast.secretary, reverse("places:picker"), q="360281002").content.decode()
    assert "塔山" not in page


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_the_picker_is_forbidden_without_the_capability(client, cast, who):
    assert _get(client, getattr(cast, who), reverse("places:picker"), q="翠").status_code == 403


def test_the_picker_sends_an_anonymous_visitor_to_log_in(client, city):
    assert client.get(reverse("places:picker"), {"q": "翠"}).status_code == 302


def test_the_picker_refuses_a_post(client, cast):
    client.force_login(cast.secretary)
    assert client.post(reverse("places:picker")).status_code == 405


def test_picking_a_place_remembers_it_and_returns_to_the_page(client, cast, city):
    client.force_login(cast.secretary)
    response = client.post(reverse("places:pick"), {"place": city.g1.pk, "next": "/people/"})
    assert (response.status_code, response["Location"]) == (302, "/people/")
    assert client.session[SESSION_KEY] == city.g1.pk
    page = client.get(reverse("places:list")).content.decode()
    assert 'data-testid="current-place">翠平一网格<' in page


def test_picking_another_communitys_place_is_not_found(client, cast, city):
    client.force_login(cast.secretary)
    response = client.post(reverse("places:pick"), {"place": city.c3.pk, "next": "/"})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_picking_never_redirects_off_the_site(client, cast, city):
    client.force_login(cast.secretary)
    response = client.post(
        reverse("places:pick"), {"place": city.g1.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_a_picked_place_out_of_scope_falls_back_to_the_first_of_the_area(client, cast, city):
    client.force_login(cast.secretary)
    session = client.session
    session[SESSION_KEY] = city.c3.pk  # e.g. picked under an earlier, wider role
    session.save()
    page = client.get(reverse("places:list")).content.decode()
    assert 'data-testid="current-place">翠平社区<' in page


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_picking_is_forbidden_without_the_capability(client, cast, city, who):
    client.force_login(getattr(cast, who))
    response = client.post(reverse("places:pick"), {"place": city.c1.pk, "next": "/"})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_picking_is_post_only_and_for_signed_in_users(client, cast, city):
    assert client.post(reverse("places:pick"), {"place": city.g1.pk}).status_code == 302
    assert SESSION_KEY not in client.session
    client.force_login(cast.secretary)
    assert client.get(reverse("places:pick")).status_code == 405


def test_no_audit_record_for_reading_pages(client, cast, city):
    _get(client, cast.admin, _detail(city.c1))
    client.post(reverse("places:pick"), {"place": city.g1.pk})
    assert not AuditRecord.objects.exists()
