"""Fixtures for the registry tests, on top of the shared city and cast (zhili/conftest.py)."""

from types import SimpleNamespace

import pytest

from zhili.exports.tests.helpers import IN_MEMORY_STORAGE
from zhili.testing.factories import DepartmentFactory


@pytest.fixture
def world(city, cast, people_everywhere):
    """The city with its cast, one person per community, and departments at three levels.

    People: 李快递 (g1, the courier), 王居民 (k1, the resident), 甲一 (g1), 乙二 (g2), 丙三 (g3).
    Departments: 城市管理局 (the whole city), 东湖社区服务站 (东湖社区 c2),
    塔山派出所 (塔山街道 s2).
    """
    return SimpleNamespace(
        city=city,
        cast=cast,
        people=people_everywhere,
        dept_city=cast.handler.role_grants.get().department,
        dept_c2=DepartmentFactory(
            code="dh", name="东湖社区服务站", short_name="东湖站", jurisdiction=city.c2
        ),
        dept_s2=DepartmentFactory(
            code="ts", name="塔山派出所", short_name="塔山所", jurisdiction=city.s2
        ),
    )


@pytest.fixture(autouse=True)
def files_in_memory(settings):
    """Exported files go to an in-memory store, never to the project's var/ folder."""
    settings.STORAGES = IN_MEMORY_STORAGE
