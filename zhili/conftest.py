"""The test city and the cast of users shared by every app's tests.

The city (codes in the DB11/T 2157 shape, squares of 0.01° around Leping):

    乐平市 360281
    ├── 泊阳街道 360281001
    │   ├── 翠平社区 360281001001  (grid 360281001001001, compound 360281001001501)
    │   └── 东湖社区 360281001002  (grid 360281001002001)
    └── 塔山街道 360281002
        └── 塔山社区 360281002001  (grid 360281002001001)
"""

import os
import uuid
from types import SimpleNamespace

import pytest

from zhili.core.permissions import Role
from zhili.testing.factories import (
    DepartmentFactory,
    PersonFactory,
    UserFactory,
    grant,
    make_place,
    square,
)

LON, LAT = 117.10, 28.95


@pytest.fixture(autouse=True)
def _fresh_intake_categories():
    """Each test starts with the intake keeping no categories (CategoryCache): a category of
    an earlier test, rolled back, may share an id with one of this test's."""
    from zhili.cases.services import intake

    intake.categories.clear()


@pytest.fixture
def city(db):
    c = make_place("city", "360281", "乐平市", None, square(LON, LAT, 0.04))
    s1 = make_place("street", "360281001", "泊阳街道", c, square(LON, LAT, 0.02))
    s2 = make_place("street", "360281002", "塔山街道", c, square(LON + 0.02, LAT, 0.02))
    c1 = make_place("community", "360281001001", "翠平社区", s1, square(LON, LAT, 0.01))
    c2 = make_place("community", "360281001002", "东湖社区", s1, square(LON, LAT + 0.01, 0.01))
    c3 = make_place("community", "360281002001", "塔山社区", s2, square(LON + 0.02, LAT, 0.01))
    g1 = make_place("grid", "360281001001001", "翠平一网格", c1, square(LON, LAT, 0.005))
    k1 = make_place(
        "compound", "360281001001501", "翠平花园", c1, square(LON + 0.001, LAT + 0.001, 0.002)
    )
    g2 = make_place("grid", "360281001002001", "东湖一网格", c2, square(LON, LAT + 0.01, 0.005))
    g3 = make_place("grid", "360281002001001", "塔山一网格", c3, square(LON + 0.02, LAT, 0.005))
    return SimpleNamespace(city=c, s1=s1, s2=s2, c1=c1, c2=c2, c3=c3, g1=g1, g2=g2, g3=g3, k1=k1)


@pytest.fixture
def department(city):
    return DepartmentFactory(
        code="cg", name="城市管理局", short_name="城管", jurisdiction=city.city
    )


@pytest.fixture
def cast(city, department):
    """One user per role, each scoped as in a real city, plus an outsider with no role.

    `secretary` serves 翠平社区 (c1); `other_secretary` serves 塔山社区 (c3), in another street.
    """
    people = SimpleNamespace(
        courier_person=PersonFactory(name="李快递", address_place=city.g1),
        resident_person=PersonFactory(name="王居民", address_place=city.k1),
    )
    admin = grant(UserFactory(username="admin", is_staff=True), Role.ADMIN, city.city)
    return SimpleNamespace(
        admin=admin,
        dispatcher=grant(UserFactory(username="dispatcher"), Role.DISPATCHER, city.city),
        coordinator=grant(UserFactory(username="coordinator"), Role.STREET_COORDINATOR, city.s1),
        secretary=grant(UserFactory(username="secretary"), Role.COMMUNITY_SECRETARY, city.c1),
        other_secretary=grant(
            UserFactory(username="other_secretary"), Role.COMMUNITY_SECRETARY, city.c3
        ),
        grid_officer=grant(UserFactory(username="grid_officer"), Role.GRID_OFFICER, city.g1),
        handler=grant(UserFactory(username="handler"), Role.HANDLER, city.city, department),
        industry_branch=grant(UserFactory(username="industry"), Role.INDUSTRY_BRANCH, city.city),
        property_company=grant(UserFactory(username="property"), Role.PROPERTY_COMPANY, city.k1),
        owners_committee=grant(UserFactory(username="owners"), Role.OWNERS_COMMITTEE, city.k1),
        volunteer=grant(UserFactory(username="volunteer"), Role.VOLUNTEER, city.c1),
        courier=grant(
            UserFactory(username="courier", person=people.courier_person), Role.COURIER, city.city
        ),
        resident=grant(
            UserFactory(username="resident", person=people.resident_person), Role.RESIDENT, city.k1
        ),
        outsider=UserFactory(username="outsider"),
        **vars(people),
    )


@pytest.fixture
def people_everywhere(city):
    """One person in each community's grid, named after the grid."""
    return SimpleNamespace(
        in_c1=PersonFactory(name="甲一", address_place=city.g1),
        in_c2=PersonFactory(name="乙二", address_place=city.g2),
        in_c3=PersonFactory(name="丙三", address_place=city.g3),
    )


def pytest_configure(config):
    # Argon2 is the production hasher (settings.PASSWORD_HASHERS, asserted in
    # people/tests/test_auth.py); the many throwaway test accounts use a fast one.
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _fresh_api_rate_counts(settings):
    """Each test starts with no API calls counted against its accounts (ids repeat across
    rolled-back tests, and the per-process cache would carry the counts on)."""
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_working_calendar():
    """A rolled-back test sends no signal: forget cached calendar overrides around each test."""
    from zhili.core.workcalendar import forget_calendar

    forget_calendar()
    yield
    forget_calendar()


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the real Redis of REDIS_URL, under a prefix of this test's own
    (skipped without REDIS_URL, except in CI, which must provide it)."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide REDIS_URL")
        pytest.skip("REDIS_URL is not set")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"zhili-test-{uuid.uuid4().hex}",
        }
    }
    return redis_url
