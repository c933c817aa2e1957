"""/api/v1/departments/: the configured departments as JSON, tried by each kind of caller."""

import pytest

from zhili.core.permissions import Role
from zhili.testing.factories import UserFactory, grant

BASE = "/api/v1/departments/"


def test_the_list_shows_what_serves_the_callers_area(
    client, cast, city, department, street_office, community_office
):
    grant(UserFactory(), Role.HANDLER, city.s1, community_office)
    grant(UserFactory(), Role.HANDLER, city.s1, community_office)
    client.force_login(cast.secretary)
    response = client.get(BASE)
    assert response.status_code == 200
    assert {d["code"] for d in response.json()} == {"cg", "cpwy"}


def test_a_listed_department_carries_its_settings(client, cast, city, department):
    client.force_login(cast.dispatcher)
    assert client.get(BASE).json() == [
        {
            "id": department.pk,
            "code": "cg",
            "name": "城市管理局",
            "short_name": "城管",
            "jurisdiction_id": city.city.pk,
            "is_active": True,
        }
    ]


@pytest.mark.parametrize("who", ["property_company", "outsider"])
def test_the_list_is_forbidden_without_the_capability(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.get(BASE)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_list_asks_an_anonymous_caller_to_sign_in(client, department):
    response = client.get(BASE)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_departments_cannot_be_created_through_the_api(client, cast):
    client.force_login(cast.admin)
    response = client.post(BASE, {"code": "zj"}, content_type="application/json")
    assert response.status_code == 405


def test_one_department(client, cast, department):
    client.force_login(cast.handler)
    response = client.get(f"{BASE}{department.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "城市管理局"


def test_another_streets_department_is_not_found_like_a_missing_one(client, cast, street_office):
    client.force_login(cast.secretary)
    out_of_scope = client.get(f"{BASE}{street_office.pk}")
    missing = client.get(f"{BASE}987654")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()


@pytest.mark.parametrize("who", ["property_company", "outsider"])
def test_one_department_is_forbidden_without_the_capability(client, cast, department, who):
    client.force_login(getattr(cast, who))
    assert client.get(f"{BASE}{department.pk}").status_code == 403


def test_one_department_asks_an_anonymous_caller_to_sign_in(client, department):
    assert client.get(f"{BASE}{department.pk}").status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_one_department_cannot_be_written_through_the_api(client, cast, department, method):
    client.force_login(cast.admin)
    response = getattr(client, method)(
        f"{BASE}{department.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 405
