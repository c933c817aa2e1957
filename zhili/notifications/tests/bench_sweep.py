"""How long the sweep takes over 10,000 open cases (a measurement, not a test: pytest does
not collect this file unless it is named).

    DEBUG=true .venv/bin/pytest zhili/notifications/tests/bench_sweep.py -q -s
    DATABASE_URL=postgres://… DEBUG=true .venv/bin/pytest …/bench_sweep.py -q -s

10,000 dispatched cases, one order each, spread over three grids, with take-by deadlines one
minute apart ending 1,000 minutes after "now": 9,000 overdue (most of them past the grace
period too) and a few within the next working hour. The first run tells everyone; the
second finds everything told already.
"""

import datetime as dt
import time

from zhili.cases.models import Case, CaseStatus, CaseTask, Channel, Step, TaskStatus
from zhili.core.workcalendar import SHANGHAI
from zhili.notifications.models import Notification
from zhili.notifications.sweep import sweep

N = 10_000
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)  # a Wednesday morning


def test_sweep_over_10000_open_cases(people, city):
    grids = [city.g1, city.g2, city.g3]
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"B{i:08d}",
                category=people.category,
                description="bench",
                place=grids[i % 3],
                place_path=grids[i % 3].path,
                channel=Channel.COURIER,
                status=CaseStatus.DISPATCHED,
                step=Step.TAKE,
                step_deadline=NOW + dt.timedelta(minutes=1000 - i),
                reported_at=NOW - dt.timedelta(days=3),
            )
            for i in range(N)
        ],
        batch_size=2000,
    )
    if cases[0].pk is None:  # backends that return no ids
        cases = list(Case.objects.filter(number__startswith="B").order_by("number"))
    CaseTask.objects.bulk_create(
        [
            CaseTask(
                case=case,
                department=people.cg,
                role="lead",
                status=TaskStatus.DISPATCHED,
                dispatched_at=NOW - dt.timedelta(days=3),
                take_deadline=case.step_deadline,
            )
            for case in cases
        ],
        batch_size=2000,
    )

    started = time.perf_counter()
    first = sweep(now=NOW)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = sweep(now=NOW + dt.timedelta(minutes=5))
    second_seconds = time.perf_counter() - started

    print(f"\nfirst sweep:  {first_seconds:.2f} s  {first.as_dict()}")
    print(f"second sweep: {second_seconds:.2f} s  {second.as_dict()}")
    assert (first.overdue, second.overdue) == (N - 1001, 5)  # five more fell due meanwhile
    assert Notification.objects.count() == first.notifications + second.notifications
