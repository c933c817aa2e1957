"""Nothing outside an actor's area shows, on any page, export or API call.

Every role of the cast is tried on every list, detail, export and API endpoint of the
foundation. The expectations below are written out by hand from DOMAIN.md and the test city
(zhili/conftest.py), not computed from the permission module:

    乐平市 ── 泊阳街道 ── 翠平社区 ── 翠平一网格 (李快递, 甲一), 翠平花园 (王居民)
           │          └─ 东湖社区 ── 东湖一网格 (乙二)
           └─ 塔山街道 ── 塔山社区 ── 塔山一网格 (丙三)
"""

import json

import pytest

from zhili.conftest import LAT, LON
from zhili.exports.models import Export
from zhili.exports.tests.helpers import downloaded, export_of, sheet_rows, work
from zhili.orgs.models import Department
from zhili.people.models import Person
from zhili.people.tests.html import by_testid, comparable, parse, table_rows
from zhili.places.models import Place
from zhili.testing.factories import valid_id_number

ROLES = [
    "admin",
    "dispatcher",
    "coordinator",
    "secretary",
    "other_secretary",
    "grid_officer",
    "handler",
    "industry_branch",
    "property_company",
    "owners_committee",
    "volunteer",
    "courier",
    "resident",
    "outsider",
]

ALL_PEOPLE = {"李快递", "王居民", "甲一", "乙二", "丙三"}
ALL_PLACES = {
    "乐平市",
    "泊阳街道",
    "塔山街道",
    "翠平社区",
    "东湖社区",
    "塔山社区",
    "翠平一网格",
    "翠平花园",
    "东湖一网格",
    "塔山一网格",
}
ALL_DEPARTMENTS = {"城市管理局", "东湖社区服务站", "塔山派出所"}

# Whom each role finds in the registry (None: the role may not see the registry at all).
PEOPLE_SEEN = {
    "admin": ALL_PEOPLE,
    "dispatcher": ALL_PEOPLE,
    "coordinator": {"李快递", "王居民", "甲一", "乙二"},
    "secretary": {"李快递", "王居民", "甲一"},
    "other_secretary": {"丙三"},
    "grid_officer": {"李快递", "甲一"},
}
# Everyone sees their own record, even without the registry.
OWN_RECORD = {"courier": "李快递", "resident": "王居民"}
# Who sees phone and ID numbers whole (within their area); the rest see them masked.
SEES_NUMBERS_WHOLE = {"admin", "secretary", "other_secretary", "grid_officer"}
REGISTRY_MANAGERS = {"admin", "secretary", "other_secretary", "grid_officer"}
EXPORTERS = {"admin", "coordinator", "secretary", "other_secretary"}

PLACES_SEEN = {
    "admin": ALL_PLACES,
    "dispatcher": ALL_PLACES,
    "handler": ALL_PLACES,
    "industry_branch": ALL_PLACES,
    "coordinator": {"泊阳街道", "翠平社区", "东湖社区", "翠平一网格", "翠平花园", "东湖一网格"},
    "secretary": {"翠平社区", "翠平一网格", "翠平花园"},
    "other_secretary": {"塔山社区", "塔山一网格"},
    "grid_officer": {"翠平一网格"},
    "property_company": {"翠平花园"},
    "owners_committee": {"翠平花园"},
}
PLACE_ROOTS = {
    "admin": ["乐平市"],
    "dispatcher": ["乐平市"],
    "handler": ["乐平市"],
    "industry_branch": ["乐平市"],
    "coordinator": ["泊阳街道"],
    "secretary": ["翠平社区"],
    "other_secretary": ["塔山社区"],
    "grid_officer": ["翠平一网格"],
    "property_company": ["翠平花园"],
    "owners_committee": ["翠平花园"],
}
# A department is seen where it serves: the city-wide one everywhere, 东湖社区服务站 within
# 泊阳街道, 塔山派出所 within 塔山街道.
DEPARTMENTS_SEEN = {
    "admin": ALL_DEPARTMENTS,
    "dispatcher": ALL_DEPARTMENTS,
    "handler": ALL_DEPARTMENTS,
    "industry_branch": ALL_DEPARTMENTS,
    "coordinator": {"城市管理局", "东湖社区服务站"},
    "secretary": {"城市管理局"},
    "other_secretary": {"城市管理局", "塔山派出所"},
    "grid_officer": {"城市管理局"},
}

# Points in the test city's squares (see zhili/conftest.py) and where they lie.
POINTS = {
    "翠平一网格": (LON + 0.004, LAT + 0.004),
    "东湖一网格": (LON + 0.0025, LAT + 0.0125),
    "塔山一网格": (LON + 0.0225, LAT + 0.0025),
    "翠平社区": (LON + 0.008, LAT + 0.008),  # in the community, in none of its grids
}
NOWHERE = (LON + 0.3, LAT + 0.3)


def people_visible(role: str) -> set[str]:
    seen = set(PEOPLE_SEEN.get(role, set()))
    if role in OWN_RECORD:
        seen.add(OWN_RECORD[role])
    return seen


def assert_nothing_outside(text: str, role: str, *, people=True, places=True):
    leaked = set()
    if people:
        leaked |= {n for n in ALL_PEOPLE - people_visible(role) if n in text}
    if places:
        leaked |= {n for n in ALL_PLACES - PLACES_SEEN.get(role, set()) if n in text}
    leaked |= {n for n in ALL_DEPARTMENTS - DEPARTMENTS_SEEN.get(role, set()) if n in text}
    assert leaked == set(), f"{role} sees {leaked}"


def masked(number: str) -> str:
    if len(number) == 11:
        return number[:3] + "****" + number[7:]
    return number[:3] + "*" * 11 + number[14:]


@pytest.fixture
def scene(world):
    """The world with ID numbers on everyone, so that masking can be seen."""
    for seq, person in enumerate(Person.objects.order_by("id")):
        person.id_number = valid_id_number(seq=seq, male=seq % 2 == 0)
        person.save()
    return world


def person(name: str) -> Person:
    return Person.objects.get(name=name)


def place(name: str) -> Place:
    return Place.objects.get(name=name)


def as_role(client, scene, role: str):
    client.force_login(getattr(scene.cast, role))
    return client


def api_json(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def unknown_id(model) -> int:
    return model.objects.order_by("-id").first().id + 1000


# --- the person registry: pages ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_people_list_page(client, scene, role):
    response = as_role(client, scene, role).get("/people/")

    if role not in PEOPLE_SEEN:
        assert response.status_code == 403
        assert_nothing_outside(response.content.decode(), role)
        return
    assert response.status_code == 200
    rows = table_rows(response.content, "people-table")
    assert {r[0] for r in rows} == PEOPLE_SEEN[role]
    assert_nothing_outside(response.content.decode(), role)
    for name, phone, id_number, *_ in rows:
        p = person(name)
        if role in SEES_NUMBERS_WHOLE:
            assert (phone, id_number) == (p.phone, p.id_number)
        else:
            assert (phone, id_number) == (masked(p.phone), masked(p.id_number))


@pytest.mark.parametrize("role", ROLES)
def test_person_detail_pages(client, scene, role):
    client = as_role(client, scene, role)
    missing_path = f"/people/{unknown_id(Person)}/"
    missing = client.get(missing_path)
    assert missing.status_code == 404

    for name in sorted(ALL_PEOPLE):
        path = f"/people/{person(name).pk}/"
        response = client.get(path)
        if name in people_visible(role):
            assert response.status_code == 200, (role, name)
            assert_nothing_outside(response.content.decode(), role, places=role not in OWN_RECORD)
        else:
            assert response.status_code == 404, (role, name)
            assert comparable(response.content, path) == comparable(missing.content, missing_path)


@pytest.mark.parametrize("role", ROLES)
def test_person_edit_pages(client, scene, role):
    client = as_role(client, scene, role)
    for name in sorted(ALL_PEOPLE):
        response = client.get(f"/people/{person(name).pk}/edit/")
        if name not in people_visible(role):
            expected = 404
        elif role in REGISTRY_MANAGERS:
            expected = 200
        else:
            expected = 403
        assert response.status_code == expected, (role, name)


ADDRESS_CHOICES = {
    "admin": {
        "翠平社区",
        "东湖社区",
        "塔山社区",
        "翠平一网格",
        "翠平花园",
        "东湖一网格",
        "塔山一网格",
    },
    "secretary": {"翠平社区", "翠平一网格", "翠平花园"},
    "other_secretary": {"塔山社区", "塔山一网格"},
    "grid_officer": {"翠平一网格"},
}


@pytest.mark.parametrize("role", ROLES)
def test_register_page_offers_only_places_in_the_area(client, scene, role):
    response = as_role(client, scene, role).get("/people/new/")

    if role not in REGISTRY_MANAGERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    [select] = parse(response.content).find_all("select", name="address_place")
    offered = {option.text() for option in select.find_all("option") if option.attrs["value"]}
    assert offered == ADDRESS_CHOICES[role]


@pytest.mark.parametrize("role", ROLES)
def test_people_export(client, scene, role):
    client = as_role(client, scene, role)
    response = client.post("/people/export/", {"idempotency_key": "k"})

    if role not in EXPORTERS:
        assert response.status_code == 403
        assert not Export.objects.exists()
        return
    export = work(export_of(response))
    download = client.get(f"/exports/{export.pk}/download")
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    header, *rows = sheet_rows(downloaded(download))
    assert len(header) == 11
    assert {r[0] for r in rows} == PEOPLE_SEEN[role]
    for row in rows:
        p = person(row[0])
        if role in SEES_NUMBERS_WHOLE:
            assert (row[3], row[4]) == (p.phone, p.id_number)
        else:
            assert (row[3], row[4]) == (masked(p.phone), masked(p.id_number))
        assert row[9] == p.address_place.name


# --- places and departments: pages ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_places_list_page(client, scene, role):
    response = as_role(client, scene, role).get("/places/")

    if role not in PLACES_SEEN:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    links = [
        a.text()
        for a in parse(response.content).find_all("a")
        if a.attrs.get("href", "").startswith("/places/") and a.attrs["href"] != "/places/"
    ]
    assert links == PLACE_ROOTS[role]
    assert_nothing_outside(response.content.decode(), role)


@pytest.mark.parametrize("role", ROLES)
def test_place_detail_pages(client, scene, role):
    client = as_role(client, scene, role)
    missing_path = f"/places/{unknown_id(Place)}/"
    missing = client.get(missing_path)
    if role not in PLACES_SEEN:  # no role to see places at all: 403 for any id
        for name in ALL_PLACES | {None}:
            path = f"/places/{place(name).pk}/" if name else missing_path
            assert client.get(path).status_code == 403, (role, name)
        return
    assert missing.status_code == 404

    for name in sorted(ALL_PLACES):
        path = f"/places/{place(name).pk}/"
        response = client.get(path)
        if name in PLACES_SEEN.get(role, ()):
            assert response.status_code == 200, (role, name)
            assert_nothing_outside(response.content.decode(), role)
        else:
            assert response.status_code == 404, (role, name)
            assert comparable(response.content, path) == comparable(missing.content, missing_path)


@pytest.mark.parametrize("role", ROLES)
def test_departments_list_page(client, scene, role):
    response = as_role(client, scene, role).get("/departments/")

    if role not in DEPARTMENTS_SEEN:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    names = {
        a.text()
        for a in parse(response.content).find_all("a")
        if a.attrs.get("href", "").startswith("/departments/")
        and a.attrs["href"] != "/departments/"
    }
    assert names == DEPARTMENTS_SEEN[role]


@pytest.mark.parametrize("role", ROLES)
def test_department_detail_pages(client, scene, role):
    client = as_role(client, scene, role)
    missing_path = f"/departments/{unknown_id(Department)}/"
    missing = client.get(missing_path)
    if role not in DEPARTMENTS_SEEN:
        assert missing.status_code == 403
        for department in Department.objects.all():
            assert client.get(f"/departments/{department.pk}/").status_code == 403
        return
    assert missing.status_code == 404
    for department in Department.objects.all():
        path = f"/departments/{department.pk}/"
        response = client.get(path)
        if department.name in DEPARTMENTS_SEEN.get(role, ()):
            assert response.status_code == 200, (role, department.name)
        else:
            assert response.status_code == 404, (role, department.name)
            assert comparable(response.content, path) == comparable(missing.content, missing_path)


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_people_list(client, scene, role):
    response = as_role(client, scene, role).get("/api/v1/people/?limit=100")

    if role not in PEOPLE_SEEN:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        return
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(PEOPLE_SEEN[role])
    assert {item["name"] for item in body["items"]} == PEOPLE_SEEN[role]
    for item in body["items"]:
        p = person(item["name"])
        whole = role in SEES_NUMBERS_WHOLE
        assert item["phone"] == (p.phone if whole else masked(p.phone))
        assert item["id_number"] == (p.id_number if whole else masked(p.id_number))


@pytest.mark.parametrize("role", ROLES)
def test_api_people_search(client, scene, role):
    response = as_role(client, scene, role).post(
        "/api/v1/people/search?limit=100", {"q": ""}, content_type="application/json"
    )

    if role not in PEOPLE_SEEN:
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
        return
    body = response.json()
    assert {item["name"] for item in body["items"]} == PEOPLE_SEEN[role]
    for item in body["items"]:
        p = person(item["name"])
        whole = role in SEES_NUMBERS_WHOLE
        assert item["phone"] == (p.phone if whole else masked(p.phone))


@pytest.mark.parametrize("role", ROLES)
def test_api_person_detail(client, scene, role):
    client = as_role(client, scene, role)
    missing = client.get(f"/api/v1/people/{unknown_id(Person)}")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")

    for name in sorted(ALL_PEOPLE):
        p = person(name)
        response = client.get(f"/api/v1/people/{p.pk}")
        if name in people_visible(role):
            assert response.status_code == 200, (role, name)
            whole = role in SEES_NUMBERS_WHOLE or OWN_RECORD.get(role) == name
            assert response.json()["phone"] == (p.phone if whole else masked(p.phone))
        else:
            assert (response.status_code, response.json()) == (404, missing.json()), (role, name)


@pytest.mark.parametrize("role", ["coordinator", "secretary"])
def test_api_people_list_filtered_to_a_place_outside_the_area_is_not_found(client, scene, role):
    client = as_role(client, scene, role)
    missing = client.get(f"/api/v1/people/?place={unknown_id(Place)}")

    response = client.get(f"/api/v1/people/?place={place('塔山社区').pk}")

    assert (response.status_code, response.json()) == (404, missing.json())


def test_api_people_list_filtered_to_a_place_within_the_area(client, scene):
    response = as_role(client, scene, "coordinator").get(
        f"/api/v1/people/?place={place('东湖社区').pk}"
    )

    assert [item["name"] for item in response.json()["items"]] == ["乙二"]


@pytest.mark.parametrize("role", ROLES)
def test_api_places_list(client, scene, role):
    response = as_role(client, scene, role).get("/api/v1/places/")

    if role not in PLACES_SEEN:
        assert response.status_code == 403
        return
    assert {item["name"] for item in response.json()} == PLACES_SEEN[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_place_detail(client, scene, role):
    client = as_role(client, scene, role)
    missing = client.get(f"/api/v1/places/{unknown_id(Place)}")
    if role not in PLACES_SEEN:  # no role to see places at all: 403 for any id
        assert missing.status_code == 403
        for name in ALL_PLACES:
            assert client.get(f"/api/v1/places/{place(name).pk}").status_code == 403
        return
    assert missing.status_code == 404

    for name in sorted(ALL_PLACES):
        response = client.get(f"/api/v1/places/{place(name).pk}")
        if name in PLACES_SEEN.get(role, ()):
            assert (response.status_code, response.json()["name"]) == (200, name)
        else:
            assert (response.status_code, response.json()) == (404, missing.json()), (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_api_locate(client, scene, role):
    client = as_role(client, scene, role)
    nowhere = client.get(f"/api/v1/places/locate?lon={NOWHERE[0]}&lat={NOWHERE[1]}")
    if role not in PLACES_SEEN:
        assert nowhere.status_code == 403
        return
    assert nowhere.status_code == 400
    assert set(nowhere.json()["fields"]) == {"lon"}

    for where, (lon, lat) in POINTS.items():
        response = client.get(f"/api/v1/places/locate?lon={lon}&lat={lat}")
        if where in PLACES_SEEN[role]:
            body = response.json()
            found = body["grid"] or body["community"]
            assert (response.status_code, found["name"]) == (200, where), (role, where)
        else:
            assert (response.status_code, response.json()) == (400, nowhere.json()), (role, where)


# Like the place page's breadcrumbs, locate names no level above the actor's area.
@pytest.mark.parametrize(
    ("role", "levels"),
    [
        (
            "secretary",
            {"grid": "翠平一网格", "community": "翠平社区", "street": None, "city": None},
        ),
        ("grid_officer", {"grid": "翠平一网格", "community": None, "street": None, "city": None}),
        (
            "coordinator",
            {"grid": "翠平一网格", "community": "翠平社区", "street": "泊阳街道", "city": None},
        ),
        (
            "dispatcher",
            {"grid": "翠平一网格", "community": "翠平社区", "street": "泊阳街道", "city": "乐平市"},
        ),
    ],
)
def test_api_locate_names_no_place_above_the_area(client, scene, role, levels):
    lon, lat = POINTS["翠平一网格"]
    response = as_role(client, scene, role).get(f"/api/v1/places/locate?lon={lon}&lat={lat}")

    assert response.status_code == 200
    body = response.json()
    assert {level: (body[level] or {}).get("name") for level in levels} == levels
    assert_nothing_outside(api_json(response), role)


@pytest.mark.parametrize("role", ROLES)
def test_api_departments_list(client, scene, role):
    response = as_role(client, scene, role).get("/api/v1/departments/")

    if role not in DEPARTMENTS_SEEN:
        assert response.status_code == 403
    else:
        assert {item["name"] for item in response.json()} == DEPARTMENTS_SEEN[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_department_detail(client, scene, role):
    client = as_role(client, scene, role)
    missing = client.get(f"/api/v1/departments/{unknown_id(Department)}")
    if role not in DEPARTMENTS_SEEN:
        assert missing.status_code == 403
        for department in Department.objects.all():
            assert client.get(f"/api/v1/departments/{department.pk}").status_code == 403
        return
    assert missing.status_code == 404
    for department in Department.objects.all():
        response = client.get(f"/api/v1/departments/{department.pk}")
        if department.name in DEPARTMENTS_SEEN.get(role, ()):
            assert response.status_code == 200
        else:
            assert (response.status_code, response.json()) == (404, missing.json())


# --- registering through the API -----------------------------------------------------------

REGISTER_AT = {
    "admin": "塔山一网格",
    "secretary": "翠平花园",
    "other_secretary": "塔山社区",
    "grid_officer": "翠平一网格",
}


@pytest.mark.parametrize("role", ROLES)
def test_api_register_in_the_area(client, scene, role):
    where = place(REGISTER_AT.get(role, "翠平一网格"))
    response = as_role(client, scene, role).post(
        "/api/v1/people/",
        {"name": "新人", "phone": "139 0000 1111", "address_place_id": where.pk},
        content_type="application/json",
    )

    if role in REGISTRY_MANAGERS:
        assert response.status_code == 201
        body = response.json()
        assert (body["name"], body["phone"], body["address_place_id"]) == (
            "新人",
            "13900001111",
            where.pk,
        )
        assert Person.objects.get(name="新人").address_place == where
    else:
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
        assert not Person.objects.filter(name="新人").exists()


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("secretary", "塔山一网格"),
        ("secretary", "东湖社区"),
        ("grid_officer", "翠平花园"),
        ("other_secretary", "翠平一网格"),
    ],
)
def test_api_register_outside_the_area_is_a_field_error_like_an_unknown_place(
    client, scene, role, where
):
    client = as_role(client, scene, role)
    unknown = client.post(
        "/api/v1/people/",
        {"name": "新人", "address_place_id": 10**6},
        content_type="application/json",
    )

    response = client.post(
        "/api/v1/people/",
        {"name": "新人", "address_place_id": place(where).pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == unknown.json()
    assert set(response.json()["fields"]) == {"address_place_id"}
    assert not Person.objects.filter(name="新人").exists()


# --- anonymous visitors and wrong methods --------------------------------------------------


def page_paths(scene) -> list[str]:
    p, pl = scene.people.in_c1.pk, scene.city.c1.pk
    return [
        "/",
        "/people/",
        f"/people/{p}/",
        f"/people/{p}/edit/",
        "/people/new/",
        "/people/export/",
        "/exports/",
        f"/exports/{p}/",
        f"/exports/{p}/download",
        "/places/",
        f"/places/{pl}/",
        "/places/picker/",
        "/departments/",
        f"/departments/{scene.dept_city.pk}/",
    ]


def api_paths(scene) -> list[str]:
    p, pl = scene.people.in_c1.pk, scene.city.c1.pk
    return [
        "/api/v1/people/",
        f"/api/v1/people/{p}",
        "/api/v1/places/",
        f"/api/v1/places/{pl}",
        f"/api/v1/places/locate?lon={LON}&lat={LAT}",
        "/api/v1/departments/",
        f"/api/v1/departments/{scene.dept_city.pk}",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, scene):
    for path in page_paths(scene):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/?next="), path
    response = client.post("/places/pick/", {"place": scene.city.c1.pk})
    assert response["Location"].startswith("/login/")
    assert "zhili_place_id" not in client.session


def test_anonymous_api_calls_answer_401(client, scene):
    for path in api_paths(scene):
        response = client.get(path)
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), path
    response = client.post(
        "/api/v1/people/", {"name": "x", "address_place_id": 1}, content_type="application/json"
    )
    assert response.status_code == 401
    search = client.post("/api/v1/people/search", {"q": "甲"}, content_type="application/json")
    assert (search.status_code, search.json()["code"]) == (401, "unauthenticated")
    assert not Person.objects.filter(name="x").exists()


def test_wrong_methods_answer_405(client, scene):
    client = as_role(client, scene, "admin")
    p, pl, d = scene.people.in_c1.pk, scene.city.c1.pk, scene.dept_city.pk
    calls = [
        ("put", "/people/"),
        ("post", f"/people/{p}/"),
        ("put", f"/people/{p}/edit/"),
        ("delete", "/people/new/"),
        ("get", "/people/export/"),
        ("post", "/exports/"),
        ("post", f"/exports/{p}/"),
        ("post", f"/exports/{p}/download"),
        ("post", "/places/"),
        ("post", f"/places/{pl}/"),
        ("post", "/places/picker/"),
        ("get", "/places/pick/"),
        ("post", "/departments/"),
        ("post", f"/departments/{d}/"),
        ("post", "/healthz"),
        ("delete", f"/api/v1/people/{p}"),
        ("put", "/api/v1/people/"),
        ("get", "/api/v1/people/search"),
        ("post", "/api/v1/places/"),
        ("delete", f"/api/v1/places/{pl}"),
        ("post", "/api/v1/places/locate"),
        ("post", "/api/v1/departments/"),
        ("patch", f"/api/v1/departments/{d}"),
    ]
    for method, path in calls:
        response = getattr(client, method)(path)
        assert response.status_code == 405, (method, path)
    assert Person.objects.filter(pk=p).exists()


# --- masking on the person's own page ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "name", "whole"),
    [
        ("dispatcher", "甲一", False),
        ("coordinator", "甲一", False),
        ("coordinator", "乙二", False),
        ("secretary", "甲一", True),
        ("secretary", "王居民", True),
        ("grid_officer", "李快递", True),
        ("other_secretary", "丙三", True),
        ("admin", "丙三", True),
        ("courier", "李快递", True),
        ("resident", "王居民", True),
    ],
)
def test_person_page_shows_numbers_whole_only_to_those_allowed(client, scene, role, name, whole):
    p = person(name)
    response = as_role(client, scene, role).get(f"/people/{p.pk}/")

    shown = (by_testid(response.content, "phone"), by_testid(response.content, "id-number"))
    if whole:
        assert shown == ([p.phone], [p.id_number])
    else:
        assert shown == ([masked(p.phone)], [masked(p.id_number)])
        assert p.phone not in response.content.decode()
        assert p.id_number not in response.content.decode()


# --- writing through the pages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        ("dispatcher", "甲一", 403),
        ("coordinator", "乙二", 403),
        ("secretary", "丙三", 404),
        ("grid_officer", "王居民", 404),
        ("courier", "李快递", 403),
        ("handler", "甲一", 404),
    ],
)
def test_a_post_to_an_edit_page_outside_the_role_changes_nothing(client, scene, role, name, status):
    p = person(name)
    response = as_role(client, scene, role).post(
        f"/people/{p.pk}/edit/",
        {"name": "改过", "political_status": "masses", "address_place": p.address_place_id},
    )

    assert response.status_code == status
    assert Person.objects.get(pk=p.pk).name == name


@pytest.mark.parametrize("role", sorted(set(ROLES) - REGISTRY_MANAGERS))
def test_a_post_to_the_register_page_by_a_non_manager_registers_nobody(client, scene, role):
    response = as_role(client, scene, role).post(
        "/people/new/",
        {"name": "新人", "political_status": "masses", "address_place": scene.city.g1.pk},
    )

    assert response.status_code == 403
    assert not Person.objects.filter(name="新人").exists()
