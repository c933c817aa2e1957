"""Each role's home page: its own heading, its own navigation, and only its own area's data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhili.core.permissions import Role
from zhili.people.models import Person
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import one_testid, parse
from zhili.testing.factories import PersonFactory, UserFactory, grant, make_place

ALL_NAMES = {
    "李快递",
    "王居民",
    "甲一",
    "乙二",
    "丙三",
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
    "城市管理局",
    "东湖社区服务站",
    "塔山派出所",
}

TITLES = {
    "admin": "Administrator's desk",
    "dispatcher": "Governance centre",
    "coordinator": "Street coordination",
    "secretary": "Community party organisation",
    "other_secretary": "Community party organisation",
    "grid_officer": "Grid officer",
    "handler": "Department desk",
    "industry_branch": "Industry party branch",
    "property_company": "Property company",
    "owners_committee": "Owners' committee",
    "outsider": "Welcome",
}
GREETED = ["volunteer", "courier", "resident"]

# The main navigation each role sees: Home, then what its capabilities open (我的导出 for
# whoever may ask for any export: the centre its bulletins), then the notifications every
# signed-in user has, last, where a phone keeps them in view.
REPORT, QUEUE, INBOX, STREET, BULLETIN, NOTES = (
    "/cases/report/",
    "/cases/",
    "/cases/inbox/",
    "/cases/coordination/",
    "/bulletins/",
    "/notifications/",
)
NAV = {
    "admin": [
        "/",
        "/places/",
        "/people/",
        "/departments/",
        "/exports/",
        REPORT,
        QUEUE,
        INBOX,
        STREET,
        BULLETIN,
        "/admin/",
        NOTES,
    ],
    "dispatcher": [
        "/",
        "/places/",
        "/people/",
        "/departments/",
        "/exports/",
        REPORT,
        QUEUE,
        BULLETIN,
        NOTES,
    ],
    "coordinator": [
        "/",
        "/places/",
        "/people/",
        "/departments/",
        "/exports/",
        REPORT,
        QUEUE,
        STREET,
        BULLETIN,
        NOTES,
    ],
    "secretary": [
        "/",
        "/places/",
        "/people/",
        "/departments/",
        "/exports/",
        REPORT,
        QUEUE,
        BULLETIN,
        NOTES,
    ],
    "grid_officer": [
        "/",
        "/places/",
        "/people/",
        "/departments/",
        "/exports/",
        REPORT,
        QUEUE,
        BULLETIN,
        NOTES,
    ],
    "handler": ["/", "/places/", "/departments/", INBOX, NOTES],
    "industry_branch": ["/", "/places/", "/departments/", REPORT, NOTES],
    "property_company": ["/", "/places/", REPORT, NOTES],
    "owners_committee": ["/", "/places/", REPORT, NOTES],
    "volunteer": ["/", REPORT, NOTES],
    "courier": ["/", REPORT, NOTES],
    "resident": ["/", REPORT, NOTES],
    "outsider": ["/", NOTES],
}

# What each home shows, and what it must not.
SHOWS = {
    "admin": {"城市管理局", "东湖社区服务站", "塔山派出所"},
    "dispatcher": {"城市管理局", "东湖社区服务站", "塔山派出所"},
    "coordinator": {"翠平社区", "东湖社区", "城市管理局", "东湖社区服务站"},
    "secretary": {"李快递", "王居民", "甲一", "翠平一网格", "翠平花园"},
    "other_secretary": {"丙三", "塔山一网格"},
    "grid_officer": {"李快递", "甲一", "翠平一网格"},
    "handler": {"城市管理局"},
    "industry_branch": ALL_NAMES
    - {"李快递", "王居民", "甲一", "乙二", "丙三", "城市管理局", "东湖社区服务站", "塔山派出所"},
    "property_company": {"翠平花园"},
    "owners_committee": {"翠平花园"},
    "volunteer": set(),
    "courier": {"李快递", "翠平一网格"},
    "resident": {"王居民", "翠平花园"},
    "outsider": set(),
}
# The picker in the top bar names the place being looked at (the area's root by default).
CURRENT_PLACE = {
    "admin": "乐平市",
    "dispatcher": "乐平市",
    "handler": "乐平市",
    "industry_branch": "乐平市",
    "coordinator": "泊阳街道",
    "secretary": "翠平社区",
    "other_secretary": "塔山社区",
    "grid_officer": "翠平一网格",
    "property_company": "翠平花园",
    "owners_committee": "翠平花园",
}


def home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("role", sorted(TITLES))
def test_each_role_has_its_own_heading(client, town, role):
    response = home(client, getattr(town.cast, role))

    assert one_testid(response.content, "home-title") == zh(TITLES[role])


@pytest.mark.parametrize("role", GREETED)
def test_members_are_greeted_by_name(client, town, role):
    user = getattr(town.cast, role)

    response = home(client, user)

    assert one_testid(response.content, "home-title") == zh("Hello, %(name)s", name=user.full_name)


@pytest.mark.parametrize("role", sorted(NAV))
def test_each_role_sees_the_navigation_its_role_opens(client, town, role):
    response = home(client, getattr(town.cast, role))

    [nav] = parse(response.content).find_all("nav", **{"class": "mainnav"})
    assert [a.attrs["href"] for a in nav.find_all("a")] == NAV[role]


@pytest.mark.parametrize("role", sorted(SHOWS))
def test_each_home_shows_only_its_own_area(client, town, role):
    page = home(client, getattr(town.cast, role)).content.decode()

    shown = set()
    for name in sorted(ALL_NAMES, key=len, reverse=True):  # 东湖社区服务站 before 东湖社区
        if name in page:
            shown.add(name)
            page = page.replace(name, "")
    expected = SHOWS[role] | ({CURRENT_PLACE[role]} if role in CURRENT_PLACE else set())
    assert shown == expected


def stats(response) -> list[str]:
    return [
        div.find_all("b")[0].text()
        for div in parse(response.content).find_all("div", **{"class": "stat"})
    ]


def test_the_dispatcher_counts_places_by_kind_and_people(client, town):
    response = home(client, town.cast.dispatcher)

    # city, streets, communities, compounds, grids, people registered
    assert stats(response) == ["1", "2", "3", "1", "3", "5"]


def test_the_administrator_counts_only_the_own_city(client, town):
    other_city = make_place("city", "360222", "浮梁县")
    other_street = make_place("street", "360222001", "浮梁镇", other_city)
    PersonFactory(name="外县人", address_place=other_street)

    response = home(client, town.cast.admin)

    assert stats(response) == ["1", "2", "3", "1", "3", "5"]
    assert "浮梁" not in response.content.decode()


def test_the_coordinator_sees_grids_and_people_per_community(client, town):
    response = home(client, town.cast.coordinator)

    [table] = parse(response.content).find_all("table")[:1]
    rows = [
        [td.text() for td in tr.find_all("td")] for tr in table.find_all("tr") if tr.find_all("td")
    ]
    assert rows == [["翠平社区", "1", "3"], ["东湖社区", "1", "1"]]


def test_the_secretary_counts_people_and_party_members(client, town):
    Person.objects.filter(name="甲一").update(
        political_status="party", party_member_status="retired"
    )
    PersonFactory(
        name="丁四",
        address_place=town.city.c3,
        political_status="party",
        party_member_status="in_service",
    )

    response = home(client, town.cast.secretary)

    # people, party members, compounds and grids of 翠平社区
    assert stats(response) == ["3", "1", "2"]


def test_the_handler_sees_colleagues_of_the_own_department_only(client, town):
    colleague = grant(UserFactory(full_name="同科室"), Role.HANDLER, town.city.city, town.dept_city)
    grant(UserFactory(full_name="别的部门"), Role.HANDLER, town.city.city, town.dept_s2)

    page = home(client, town.cast.handler).content.decode()

    assert colleague.full_name in page
    assert "别的部门" not in page


def test_the_courier_finds_the_own_record(client, town):
    response = home(client, town.cast.courier)

    links = [a.attrs["href"] for a in parse(response.content).find_all("a")]
    assert f"/people/{town.cast.courier_person.pk}/" in links


def test_someone_without_a_role_is_told_to_ask_for_one(client, town):
    response = home(client, town.cast.outsider)

    assert (
        zh("Your account has no role yet. Ask your community or the administrator to assign one.")
        in response.content.decode()
    )
    assert one_testid(response.content, "role") == zh("No role yet")


@pytest.mark.parametrize(
    ("role", "label"),
    [
        ("secretary", "Community party secretary"),
        ("courier", "Courier"),
        ("admin", "Administrator"),
    ],
)
def test_the_top_bar_names_the_role(client, town, role, label):
    response = home(client, getattr(town.cast, role))

    assert one_testid(response.content, "role") == zh(label)


def test_a_user_with_two_roles_sees_the_more_responsible_home(client, town):
    user = town.cast.grid_officer
    grant(user, Role.COMMUNITY_SECRETARY, town.city.c2)

    response = home(client, user)

    assert one_testid(response.content, "home-title") == zh("Community party organisation")


def test_the_home_page_needs_a_sign_in(client, town):
    response = client.get("/")

    assert response["Location"] == "/login/?next=/"


@pytest.mark.parametrize("who", ["admin", "dispatcher", "coordinator", "secretary"])
def test_home_pages_ask_the_same_number_of_queries_however_many_people(client, cast, city, who):
    client.force_login(getattr(cast, who))
    client.get("/")  # warm the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    few = queries()
    for place in (city.g1, city.g2, city.g3, city.k1) * 10:
        PersonFactory(address_place=place)
    assert queries() == few  # no N+1 over people or places
