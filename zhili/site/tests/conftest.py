"""Fixtures for the site-shell tests, on top of the shared city and cast (zhili/conftest.py)."""

from types import SimpleNamespace

import pytest

from zhili.testing.factories import DepartmentFactory


@pytest.fixture
def town(city, cast, people_everywhere, department):
    """The city, its cast, one person per community (甲一 g1, 乙二 g2, 丙三 g3) besides the
    cast's 李快递 (g1) and 王居民 (k1), and two more departments: 东湖社区服务站 serving 东湖社区
    and 塔山派出所 serving 塔山街道."""
    return SimpleNamespace(
        city=city,
        cast=cast,
        people=people_everywhere,
        dept_city=department,
        dept_c2=DepartmentFactory(
            code="dh", name="东湖社区服务站", short_name="东湖站", jurisdiction=city.c2
        ),
        dept_s2=DepartmentFactory(
            code="ts", name="塔山派出所", short_name="塔山所", jurisdiction=city.s2
        ),
    )
