"""Two handlers take one order at the same moment: exactly one wins, the other is told."""

import threading

import pytest
from django.db import connection

from zhili.cases.models import TaskStatus
from zhili.cases.services.flow import accept_case, dispatch_case, take_task
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1
from zhili.core.errors import Conflict
from zhili.core.permissions import Role
from zhili.testing.factories import UserFactory, grant


@pytest.mark.django_db(transaction=True)
def test_two_handlers_taking_one_order_at_once(loop, city):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    colleague = grant(UserFactory(username="cg2"), Role.HANDLER, city.city, loop.cg)
    lon, lat = IN_G1
    case = report_case(
        actor=loop.courier, category=loop.category, description="占道", longitude=lon, latitude=lat
    )
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = case.tasks.get()
    start = threading.Barrier(2)
    outcomes = {}

    def take(name, user):
        try:
            start.wait()
            take_task(actor=user, task=task)
            outcomes[name] = "took"
        except Conflict:
            outcomes[name] = "told"
        finally:
            connection.close()  # each thread has its own connection

    threads = [
        threading.Thread(target=take, args=(n, u))
        for n, u in (("a", loop.handler), ("b", colleague))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["told", "took"]
    task.refresh_from_db()
    assert task.status == TaskStatus.TAKEN
    assert task.taken_by.username == ("handler" if outcomes["a"] == "took" else "cg2")
