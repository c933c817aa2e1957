"""/api/v1/places/: the place tree and point location as JSON, tried by each kind of caller."""

import pytest

from zhili.conftest import LAT, LON

BASE = "/api/v1/places/"


def _get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["code"] for p in response.json()]


# --- The list -------------------------------------------------------------------------------


def test_a_secretary_lists_her_community_in_tree_order(client, cast, city):
    assert _codes(_get(client, cast.secretary, BASE)) == [
        "360281001001",
        "360281001001001",
        "360281001001501",
    ]


def test_the_list_filters_by_kind_and_parent(client, cast, city):
    assert _codes(_get(client, cast.dispatcher, BASE, kind="grid")) == [
        "360281001001001",
        "360281001002001",
        "360281002001001",
    ]
    assert _codes(_get(client, cast.dispatcher, BASE, parent=city.s1.pk)) == [
        "360281001001",
        "360281001002",
    ]
    # The filters never widen the scope.
    assert _codes(_get(client, cast.secretary, BASE, parent=city.c3.pk)) == []
    assert _codes(_get(client, cast.secretary, BASE, kind="street")) == []


def test_a_listed_place_carries_its_tree_position(client, cast, city):
    first = _get(client, cast.secretary, BASE).json()[0]
    assert first == {
        "id": city.c1.pk,
        "kind": "community",
        "code": "360281001001",
        "name": "翠平社区",
        "parent_id": city.s1.pk,
        "path": "/360281/360281001/360281001001/",
    }


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_the_list_is_forbidden_without_the_capability(client, cast, who):
    response = _get(client, getattr(cast, who), BASE)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_list_asks_an_anonymous_caller_to_sign_in(client, city):
    response = client.get(BASE)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_the_list_refuses_a_post(client, cast):
    client.force_login(cast.admin)
    assert client.post(BASE, {}, content_type="application/json").status_code == 405


# --- One place ------------------------------------------------------------------------------


def test_one_place_comes_with_its_boundary(client, cast, city):
    response = _get(client, cast.grid_officer, f"{BASE}{city.g1.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"]) == ("360281001001001", "翠平一网格")
    assert body["boundary"] == city.g1.boundary


def test_another_communitys_place_is_not_found_like_a_missing_one(client, cast, city):
    out_of_scope = _get(client, cast.secretary, f"{BASE}{city.c3.pk}")
    missing = _get(client, cast.secretary, f"{BASE}987654")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert out_of_scope.json()["code"] == "not_found"


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_one_place_is_forbidden_without_the_capability(client, cast, city, who):
    response = _get(client, getattr(cast, who), f"{BASE}{city.c1.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_one_place_asks_an_anonymous_caller_to_sign_in(client, city):
    assert client.get(f"{BASE}{city.c1.pk}").status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_one_place_cannot_be_written_through_the_api(client, cast, city, method):
    client.force_login(cast.admin)
    response = getattr(client, method)(
        f"{BASE}{city.c1.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 405


# --- Locating a point -----------------------------------------------------------------------


def test_a_dispatcher_locates_a_point_down_to_its_grid(client, cast, city):
    response = _get(client, cast.dispatcher, f"{BASE}locate", lon=LON + 0.002, lat=LAT + 0.003)
    assert response.status_code == 200
    body = response.json()
    assert [body[k]["name"] for k in ("grid", "community", "street", "city")] == [
        "翠平一网格",
        "翠平社区",
        "泊阳街道",
        "乐平市",
    ]


def test_a_point_outside_the_grids_has_no_grid(client, cast, city):
    body = _get(client, cast.secretary, f"{BASE}locate", lon=LON + 0.008, lat=LAT + 0.008).json()
    assert body["grid"] is None
    assert body["community"]["code"] == "360281001001"


def test_a_point_outside_every_place_gets_a_field_error_not_a_crash(client, cast, city):
    response = _get(client, cast.dispatcher, f"{BASE}locate", lon=116.4, lat=39.9)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["lon"] and body["fields"]["lon"][0]


def test_a_point_in_another_community_looks_like_a_point_nowhere(client, cast, city):
    in_tashan = _get(client, cast.secretary, f"{BASE}locate", lon=LON + 0.021, lat=LAT + 0.004)
    nowhere = _get(client, cast.secretary, f"{BASE}locate", lon=116.4, lat=39.9)
    assert in_tashan.status_code == nowhere.status_code == 400
    assert in_tashan.json() == nowhere.json()
    assert "塔山" not in in_tashan.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": 200, "lat": LAT}, "lon"),
        ({"lon": LON, "lat": -95}, "lat"),
        ({"lon": "东经117", "lat": LAT}, "lon"),
        ({"lat": LAT}, "lon"),
    ],
)
def test_a_malformed_point_gets_a_field_error(client, cast, city, params, field):
    response = _get(client, cast.dispatcher, f"{BASE}locate", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"] and body["fields"][field][0]


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_locating_is_forbidden_without_the_capability(client, cast, city, who):
    response = _get(client, getattr(cast, who), f"{BASE}locate", lon=LON, lat=LAT)
    assert response.status_code == 403


def test_locating_asks_an_anonymous_caller_to_sign_in(client, city):
    assert client.get(f"{BASE}locate", {"lon": LON, "lat": LAT}).status_code == 401


def test_locating_refuses_a_post(client, cast, city):
    client.force_login(cast.dispatcher)
    response = client.post(f"{BASE}locate?lon={LON}&lat={LAT}")
    assert response.status_code == 405
