"""Pages say what happened in words and name people by name: 辖区最近变更 on the home pages
and the case timeline, never an action code or a log-in."""

import re
from types import SimpleNamespace

import pytest
from django.utils import translation

from zhili.audit.labels import ACTION_LABELS
from zhili.cases.models import Category
from zhili.cases.services.flow import accept_case
from zhili.cases.tests.conftest import whistle
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import parse


@pytest.fixture
def reported(town):
    """李快递 (the cast's courier, a member of the public) blows the whistle in grid g1 and
    赵中心 (the centre's dispatcher) accepts the case."""
    cast = town.cast
    cast.courier.full_name = "李快递"
    cast.courier.save()
    cast.dispatcher.full_name = "赵中心"
    cast.dispatcher.save()
    category = Category.objects.create(code="parking", name="乱停乱放", default_lead=town.dept_city)
    case = whistle(SimpleNamespace(courier=cast.courier, category=category))
    accept_case(actor=cast.dispatcher, case=case)
    return case


def recent_lines(client, user) -> list[str]:
    client.force_login(user)
    response = client.get("/")
    [trail] = parse(response.content).find_all("ol", data_testid="recent-audit")
    return [li.text() for li in trail.find_all("li")]


def test_recent_changes_say_the_act_in_chinese_and_name_people(client, town, reported):
    lines = recent_lines(client, town.cast.secretary)  # may see personal data in 翠平社区

    # After the time (m-d H:i): who, the act, the case.
    assert [line.split(" ", 2)[2] for line in lines[:2]] == [
        f"赵中心 {zh('accepted case')} {reported}",
        f"李快递 {zh('reported case')} {reported}",
    ]


def test_a_member_of_the_public_is_masked_for_who_may_not_see_personal_data(client, town, reported):
    lines = recent_lines(client, town.cast.coordinator)  # the street: no personal data

    assert [line.split(" ")[2] for line in lines[:2]] == ["赵中心", "李**"]
    assert not any("courier" in line or "dispatcher" in line for line in lines)
    assert not any("case." in line for line in lines)


def test_every_act_on_a_case_has_its_words_in_the_audit_table():
    from zhili.cases.views import ACTION_LABELS as TIMELINE

    assert {f"case.{act}" for act in TIMELINE} - set(ACTION_LABELS) == set()


def test_every_audit_label_reads_in_chinese():
    with translation.override("zh-hans"):
        english = {
            code: str(label)
            for code, label in ACTION_LABELS.items()
            if not re.search(r"[\u4e00-\u9fff]", str(label))
        }
    assert english == {}


def test_the_timeline_names_people_by_name(client, town, reported):
    client.force_login(town.cast.dispatcher)

    response = client.get(f"/cases/{reported.pk}/")

    [timeline] = parse(response.content).find_all(data_testid="timeline")
    assert [li.find_all("strong")[0].text() for li in timeline.find_all("li")] == [
        "李快递",
        "赵中心",
    ]
