from types import SimpleNamespace

import pytest

from zhili.cases.tests.conftest import loop  # noqa: F401  (the case loop's cast)
from zhili.core.permissions import Role
from zhili.testing.factories import UserFactory, grant


@pytest.fixture
def people(loop, city):  # noqa: F811  (the fixture, not a redefinition)
    """The loop's cast, plus who should hear nothing of a case in 泊阳街道's grid g1: the
    street coordinator of 塔山街道 and a grid officer of 塔山一网格."""
    return SimpleNamespace(
        **vars(loop),
        other_coordinator=grant(
            UserFactory(username="s2_coordinator"), Role.STREET_COORDINATOR, city.s2
        ),
        other_grid_officer=grant(UserFactory(username="g3_officer"), Role.GRID_OFFICER, city.g3),
    )
