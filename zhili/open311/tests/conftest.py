from types import SimpleNamespace

import pytest
from django.core.cache import cache

from zhili.cases.models import Category
from zhili.cases.tests.conftest import _media_in_tmp, loop  # noqa: F401, F811 -- shared
from zhili.core.permissions import SystemActor
from zhili.open311.services import issue_key

QUESTIONS = [
    {
        "code": "injured",
        "label": "有无人员受伤",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "无"}],
    },
    {
        "code": "vehicles",
        "label": "涉及车辆",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "car", "name": "小汽车"}, {"key": "ebike", "name": "电动车"}],
    },
    {"code": "count", "label": "车辆数", "datatype": "number", "required": False},
]


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Rate counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def o311(loop, city):  # noqa: F811 -- the imported fixture
    """The loop's cast and categories, a second category with extra questions (交通事故,
    under a parent group 道路交通), and a live key for the citizen app 乐平随手拍."""
    group = Category.objects.create(code="road", name="道路交通", default_lead=loop.police)
    accident = Category.objects.create(
        code="jtsg",
        name="交通事故",
        parent=group,
        description="道路上的交通事故",
        default_lead=loop.police,
        attributes=QUESTIONS,
    )
    key, raw = issue_key(actor=SystemActor("test"), name="乐平随手拍")
    return SimpleNamespace(**vars(loop), accident=accident, group=group, key=key, raw=raw)
