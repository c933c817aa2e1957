"""The homes show the work owed: the centre's pending extension requests with the facts to
decide on; the street's, the community's and the grid's overdue cases and escalations."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhili.cases.models import Case, CaseTask, Step
from zhili.cases.services.extensions import request_extension
from zhili.cases.services.flow import accept_case, dispatch_case, take_task
from zhili.cases.tests.conftest import as_user, whistle
from zhili.notifications.models import Escalation
from zhili.people.tests.html import parse


def test_the_centre_sees_the_pending_extension_requests_with_their_facts(client, loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    task = CaseTask.objects.get(pk=task.pk)
    until = timezone.localtime(task.handle_deadline + dt.timedelta(days=3))
    request_extension(actor=loop.handler, task=task, until=until, reason="需采购材料")
    whistle(loop, idempotency_key="2")  # no request: not listed

    page = parse(as_user(client, loop.dispatcher).get("/").content)
    [count] = page.find_all(data_testid="extension-count")
    assert count.text() == "1"
    [row] = page.find_all(data_testid="extension-request")
    assert row.attrs["data-case"] == case.number
    text = row.text()
    assert "城管" in text and "需采购材料" in text
    assert row.find_all(data_testid="requested-until")[0].text() == f"{until:%Y-%m-%d %H:%M}"
    assert row.find_all("a")[0].attrs["href"] == f"/cases/{case.pk}/"


def overdue_and_escalated(loop, city):
    """Two overdue cases in 翠平一网格 (g1), one escalated to the centre and then the street;
    one overdue case in 塔山一网格 (g3), escalated; one case on time."""
    now = timezone.now()
    late = whistle(loop)
    later = whistle(loop, idempotency_key="2")
    far = whistle(loop, longitude=None, latitude=None, place=city.g3, idempotency_key="3")
    whistle(loop, idempotency_key="4")
    for case, hours in ((late, 30), (later, 2), (far, 5)):
        Case.objects.filter(pk=case.pk).update(step_deadline=now - dt.timedelta(hours=hours))
    for case, level in ((late, 1), (late, 2), (far, 1)):
        Escalation.objects.create(
            case=case, step=Step.ACCEPT, deadline=now, level=level, run=uuid.uuid4()
        )
    return late, later, far


@pytest.mark.parametrize("who", ["coordinator", "secretary", "grid_officer"])
def test_the_area_homes_show_overdue_cases_and_escalations(client, loop, city, who):
    late, later, far = overdue_and_escalated(loop, city)
    page = parse(as_user(client, getattr(loop, who)).get("/").content)
    [overdue] = page.find_all(data_testid="area-overdue-count")
    [escalated] = page.find_all(data_testid="area-escalation-count")
    assert (overdue.find_all("b")[0].text(), escalated.find_all("b")[0].text()) == ("2", "2")
    assert overdue.attrs["href"] == "/cases/?tab=overdue"
    [cases] = page.find_all(data_testid="area-overdue-cases")
    # The most recently missed deadline first; 塔山's case is not this area's.
    assert [li.attrs["data-case"] for li in cases.find_all("li")] == [later.number, late.number]
    [escalations] = page.find_all(data_testid="area-escalations")
    assert sorted(li.attrs["data-level"] for li in escalations.find_all("li")) == ["1", "2"]
    assert {li.attrs["data-case"] for li in escalations.find_all("li")} == {late.number}


def test_the_other_community_sees_its_own_overdue_case(client, loop, city):
    late, later, far = overdue_and_escalated(loop, city)
    page = parse(as_user(client, loop.other_secretary).get("/").content)
    [cases] = page.find_all(data_testid="area-overdue-cases")
    assert [li.attrs["data-case"] for li in cases.find_all("li")] == [far.number]


def test_the_area_homes_cost_the_same_queries_for_more_escalations(client, loop, city):
    as_user(client, loop.coordinator)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    overdue_and_escalated(loop, city)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
