import pytest

from zhili.testing.factories import DepartmentFactory


@pytest.fixture
def street_office(city):
    """A department that serves 塔山街道 only (the other street)."""
    return DepartmentFactory(
        code="tszx", name="塔山街道综治中心", short_name="塔山综治", jurisdiction=city.s2
    )


@pytest.fixture
def community_office(city):
    """A department that serves 翠平社区 only."""
    return DepartmentFactory(
        code="cpwy", name="翠平社区物业办", short_name="翠平物业", jurisdiction=city.c1
    )
