"""The sweep: overdue steps go to the centre once, to the street once after the grace, and
near deadlines are announced once; time is whatever `now=` says."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from zhili.cases.models import Case, CaseStatus, Step
from zhili.cases.services.flow import accept_case, take_task
from zhili.core.tasks import HOUSEKEEPING, enqueue_housekeeping
from zhili.core.workcalendar import add_working_hours
from zhili.notifications.models import DeadlineWarning, Escalation, Notification
from zhili.notifications.sweep import sweep
from zhili.notifications.tasks import sweep_overdue
from zhili.notifications.tests.helpers import dispatched, fresh, last_id, told, whistle

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def accepted(people) -> Case:
    """A case in 泊阳街道's grid g1 waiting for the centre to dispatch it (2 working hours)."""
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    Notification.objects.all().delete()  # the reporter's "accepted" is not the sweep's doing
    case = fresh(case)
    assert case.step == Step.DISPATCH
    return case


def test_nothing_happens_before_the_deadline(people, accepted):
    report = sweep(now=accepted.step_deadline - MINUTE)
    assert report.as_dict() == {
        "overdue": 0,
        "escalated": 0,
        "deadline_near": 0,
        "notifications": 0,
    }
    assert told() == []


def test_an_overdue_step_goes_to_the_centre_once_however_often_the_sweep_runs(people, accepted):
    late = accepted.step_deadline + MINUTE

    first = sweep(now=late)
    again = sweep(now=late + 5 * MINUTE)

    assert (first.overdue, first.escalated, first.notifications) == (1, 0, 1)
    assert again.as_dict() == {"overdue": 0, "escalated": 0, "deadline_near": 0, "notifications": 0}
    assert told() == [("dispatcher", "overdue")]
    [escalation] = Escalation.objects.all()
    assert (escalation.case, escalation.step, escalation.deadline, escalation.level) == (
        accepted,
        Step.DISPATCH,
        accepted.step_deadline,
        1,
    )
    assert Notification.objects.get().created_at == late


def test_the_street_hears_after_the_grace_period_in_working_hours(people, accepted, settings):
    settings.ESCALATION_GRACE_HOURS = 4
    deadline = accepted.step_deadline
    after_grace = add_working_hours(deadline, 4)
    sweep(now=deadline + MINUTE)
    since = last_id()

    assert sweep(now=after_grace - MINUTE).escalated == 0
    report = sweep(now=after_grace)
    assert sweep(now=after_grace + 10 * MINUTE).escalated == 0

    assert (report.overdue, report.escalated) == (0, 1)
    # 泊阳街道's coordinator; not 塔山街道's, not the centre again.
    assert told(since) == [("coordinator", "escalated")]
    assert sorted(Escalation.objects.values_list("level", flat=True)) == [1, 2]


def test_a_first_sweep_long_after_the_deadline_tells_both_levels_at_once(people, accepted):
    report = sweep(now=accepted.step_deadline + dt.timedelta(days=10))
    assert (report.overdue, report.escalated) == (1, 1)
    assert told() == [("coordinator", "escalated"), ("dispatcher", "overdue")]


def test_a_new_deadline_is_a_new_step_to_be_late_on(people, accepted):
    sweep(now=accepted.step_deadline + MINUTE)
    # The centre finally dispatches: the case now waits on the department's taking it.
    from zhili.cases.services.flow import dispatch_case

    dispatch_case(actor=people.dispatcher, case=accepted, lead=people.cg)
    case = fresh(accepted)
    since = last_id()

    report = sweep(now=case.step_deadline + MINUTE)

    assert (case.step, report.overdue) == (Step.TAKE, 1)
    assert [t for t in told(since) if t[1] == "overdue"] == [("dispatcher", "overdue")]


def test_closed_and_held_cases_are_not_swept(people, accepted):
    Case.objects.filter(pk=accepted.pk).update(status=CaseStatus.CLOSED)
    assert sweep(now=accepted.step_deadline + dt.timedelta(days=10)).overdue == 0


def test_a_deadline_within_the_next_working_hour_is_announced_once(people):
    case = dispatched(people)
    task = case.tasks.get()
    since = last_id()

    assert sweep(now=task.dispatched_at + MINUTE).deadline_near == 0  # 4 working hours left
    near = task.take_deadline - 30 * MINUTE
    first = sweep(now=near)
    again = sweep(now=near + 5 * MINUTE)

    assert (first.deadline_near, again.deadline_near) == (1, 0)
    assert told(since) == [("handler", "deadline_near")]
    assert DeadlineWarning.objects.get().deadline == task.take_deadline


def test_the_handle_deadline_is_announced_after_the_take_one(people):
    case = dispatched(people)
    task = case.tasks.get()
    sweep(now=task.take_deadline - 30 * MINUTE)
    take_task(actor=people.handler, task=task)
    task.refresh_from_db()
    since = last_id()

    report = sweep(now=task.handle_deadline - 30 * MINUTE)

    assert report.deadline_near == 1
    assert told(since) == [("handler", "deadline_near")]
    steps = sorted(DeadlineWarning.objects.values_list("step", flat=True))
    assert steps == [Step.HANDLE, Step.TAKE]


def test_the_command_prints_what_it_did(people, accepted, capsys):
    Case.objects.filter(pk=accepted.pk).update(step_deadline=accepted.reported_at)

    call_command("sweep")

    out = capsys.readouterr().out
    assert "overdue steps reported to the centre: 1" in out
    assert "notifications written: " in out


def test_housekeeping_queues_the_sweep(people, accepted, settings):
    assert sweep_overdue in HOUSEKEEPING
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }
    Case.objects.filter(pk=accepted.pk).update(step_deadline=accepted.reported_at)

    [result] = [r for r in enqueue_housekeeping() if r.task.name == sweep_overdue.name]

    assert result.return_value["overdue"] == 1
    assert told() == [("dispatcher", "overdue")]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_tell_the_centre_once(people, accepted):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite serialises every write")
    late = accepted.step_deadline + MINUTE
    start = threading.Barrier(2)
    reports = []

    def run():
        try:
            start.wait()
            reports.append(sweep(now=late))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(r.overdue for r in reports) == [0, 1]
    assert told() == [("dispatcher", "overdue")]
