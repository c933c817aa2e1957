"""A small March 2026 whose every bulletin figure is computed by hand (test_metrics.py).

The cases run through the real services (zhili.cases.services); the clock is then set by
hand: each timestamp is overwritten with QuerySet.update to a chosen moment, so the story is
the same whatever day the tests run. March 2026 has no holiday; 28 February 2026 (a Saturday)
is a make-up working day after the Spring Festival. Working hours: 8:30–12:00, 14:30–17:30.
"""

import datetime as dt

import pytest

from zhili.cases.models import Case, CaseTask
from zhili.cases.services import flow
from zhili.cases.tests import conftest as cases
from zhili.core.workcalendar import SHANGHAI
from zhili.exports.tests.helpers import IN_MEMORY_STORAGE

NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=SHANGHAI)
MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}
loop = cases.loop  # the cases' fixture: 城管 (cg) leads the category, 公安 (ga) with its handler


def at(text: str) -> dt.datetime:
    """ "03-02 09:00" → 2 March 2026, 9:00 in Shanghai."""
    return dt.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def files_in_memory(settings):
    settings.STORAGES = IN_MEMORY_STORAGE


class Story:
    """Runs cases through the services, then sets their clocks."""

    def __init__(self, loop):
        self.loop = loop

    def report(self) -> Case:
        return cases.whistle(self.loop, description="消防通道被占")

    def dispatched(self, lead, co=()) -> Case:
        case = self.report()
        flow.accept_case(actor=self.loop.dispatcher, case=case)
        flow.dispatch_case(actor=self.loop.dispatcher, case=case, lead=lead, co_departments=co)
        return case

    def handler(self, task):
        return self.loop.handler if task.department == self.loop.cg else self.loop.police_handler

    def task(self, case, department) -> CaseTask:
        return (
            CaseTask.objects.filter(case=case, department=department)
            .exclude(status="returned")
            .get()
        )

    def take(self, case, department) -> CaseTask:
        task = self.task(case, department)
        flow.take_task(actor=self.handler(task), task=task)
        return task

    def handle(self, case, department) -> CaseTask:
        task = self.task(case, department)
        flow.handle_task(actor=self.handler(task), task=task, result="已处理")
        return task

    def close(self, case, rating=None) -> None:
        flow.verify_case(actor=self.loop.grid_officer, case=case, passed=True, note="现场已复原")
        flow.close_case(actor=self.loop.dispatcher, case=case)
        if rating:
            # A reason with every rating: a 不满意 needs one.
            flow.rate_case(actor=self.loop.courier, case=case, rating=rating, comment="回访意见")


def stamp(obj, **times) -> None:
    """Set timestamps by hand: {"field": "MM-DD HH:MM" or None}."""
    values = {k: (at(v) if isinstance(v, str) else v) for k, v in times.items()}
    type(obj).objects.filter(pk=obj.pk).update(**values)


@pytest.fixture
def march(loop):
    """Thirteen cases, two departments (城管 cg, 公安 ga); see test_metrics.py for the figures.

    a1…a9 are 城管's tasks, b1…b7 公安's; the case numbers follow the task numbers."""
    s, cg, ga = Story(loop), loop.cg, loop.police

    # Case 1, 城管 leads: taken in 1 h, handled in 6.5 h, on time; closed; 满意.
    c1 = s.dispatched(cg)
    a1 = s.take(c1, cg)
    s.handle(c1, cg)
    s.close(c1, "satisfied")
    stamp(c1, reported_at="03-02 08:40", accepted_at="03-02 08:50", closed_at="03-04 10:00")
    stamp(c1, rated_at="03-05 10:00")
    stamp(a1, dispatched_at="03-02 09:00", take_deadline="03-02 15:30", taken_at="03-02 10:00")
    stamp(a1, handle_deadline="03-05 17:30", handled_at="03-03 10:00")

    # Case 2, 城管 leads: taken late (6.5 h), handled late (26 h); closed; 基本满意.
    c2 = s.dispatched(cg)
    a2 = s.take(c2, cg)
    s.handle(c2, cg)
    s.close(c2, "basically")
    stamp(c2, reported_at="03-02 08:40", accepted_at="03-02 08:50", closed_at="03-10 10:00")
    stamp(c2, rated_at="03-11 10:00")
    stamp(a2, dispatched_at="03-02 09:00", take_deadline="03-02 15:30", taken_at="03-03 09:00")
    stamp(a2, handle_deadline="03-06 17:30", handled_at="03-09 09:00")

    # Case 3, 城管 leads: taken in 2 h, never handled: overdue since 12 March.
    c3 = s.dispatched(cg)
    a3 = s.take(c3, cg)
    stamp(c3, reported_at="03-09 08:40", accepted_at="03-09 08:50")
    stamp(a3, dispatched_at="03-09 09:00", take_deadline="03-09 15:30", taken_at="03-09 11:00")
    stamp(a3, handle_deadline="03-12 17:30")

    # Case 4: 城管 returns it within the hour (a4); 公安 leads it (b4), takes it late (4.5 h),
    # handles it on time (13 h); closed after its close deadline; 满意.
    c4 = s.dispatched(cg)
    a4 = s.task(c4, cg)
    flow.return_task(actor=loop.handler, task=a4, reason="属公安管辖")
    flow.dispatch_case(actor=loop.dispatcher, case=c4, lead=ga)
    b4 = s.take(c4, ga)
    s.handle(c4, ga)
    s.close(c4, "satisfied")
    stamp(c4, reported_at="03-09 08:40", accepted_at="03-09 08:50", closed_at="03-13 10:00")
    stamp(c4, close_deadline="03-12 17:30", rated_at="03-14 10:00")
    stamp(a4, dispatched_at="03-09 09:00", take_deadline="03-09 15:30", returned_at="03-09 10:00")
    stamp(b4, dispatched_at="03-09 11:00", take_deadline="03-09 16:30", taken_at="03-10 09:00")
    stamp(b4, handle_deadline="03-13 17:30", handled_at="03-12 09:00")

    # Case 5: 公安 leads (b1), 城管 assists (a5); the check fails once (rework for both);
    # both handled on time; closed; 不满意.
    c5 = s.dispatched(ga, co=(cg,))
    b1, a5 = s.take(c5, ga), s.take(c5, cg)
    s.handle(c5, ga)
    s.handle(c5, cg)
    flow.verify_case(actor=loop.grid_officer, case=c5, passed=False, note="仍未清理")
    s.handle(c5, ga)
    s.handle(c5, cg)
    s.close(c5, "dissatisfied")
    stamp(c5, reported_at="03-16 08:40", accepted_at="03-16 08:50", closed_at="03-18 10:00")
    stamp(c5, rated_at="03-19 10:00")
    stamp(b1, dispatched_at="03-16 09:00", take_deadline="03-16 15:30", taken_at="03-16 11:00")
    stamp(b1, handle_deadline="03-19 17:30", handled_at="03-17 11:00")
    stamp(a5, dispatched_at="03-16 09:00", take_deadline="03-16 15:30", taken_at="03-16 09:30")
    stamp(a5, handle_deadline="03-19 17:30", handled_at="03-17 09:30")

    # Case 6, 城管 leads: dispatched 30 March, taken in 1 h, extended, handled in April.
    c6 = s.dispatched(cg)
    a6 = s.take(c6, cg)
    # Granted as zhili.cases.services.extensions.grant_extension leaves it.
    CaseTask.objects.filter(pk=a6.pk).update(extension_status="granted", extension_count=1)
    s.handle(c6, cg)
    stamp(c6, reported_at="03-30 08:40", accepted_at="03-30 08:50")
    stamp(a6, dispatched_at="03-30 09:00", take_deadline="03-30 15:30", taken_at="03-30 10:00")
    stamp(a6, handle_deadline="04-08 17:30", handled_at="04-01 10:00")

    # Case 7, 城管 leads: dispatched in February, handled on 2 March, on time, over the
    # make-up working Saturday 28 February (32.5 h); closed; rated in April.
    c7 = s.dispatched(cg)
    a7 = s.take(c7, cg)
    s.handle(c7, cg)
    s.close(c7, "satisfied")
    stamp(c7, reported_at="02-24 08:40", accepted_at="02-24 08:50", closed_at="03-03 10:00")
    stamp(c7, rated_at="04-01 10:00")
    stamp(a7, dispatched_at="02-24 09:00", take_deadline="02-24 15:30", taken_at="02-24 10:00")
    stamp(a7, handle_deadline="03-03 17:30", handled_at="03-02 10:00")

    # Case 8: dispatched to 城管, then voided as filed in error: its task is cancelled.
    c8 = s.dispatched(cg)
    a8 = s.task(c8, cg)
    flow.void_case(actor=loop.dispatcher, case=c8, reason="误报")
    stamp(c8, reported_at="03-02 08:40", accepted_at="03-02 08:50")
    stamp(a8, dispatched_at="03-02 09:00", take_deadline="03-02 15:30")

    # Case 9 rejected; case 10 on hold.
    c9 = s.report()
    flow.reject_case(actor=loop.dispatcher, case=c9, reason="不属受理范围")
    stamp(c9, reported_at="03-03 08:40")
    c10 = s.report()
    flow.accept_case(actor=loop.dispatcher, case=c10)
    flow.hold_case(
        actor=loop.dispatcher,
        case=c10,
        reason="待规划",
        review_on=dt.date.today() + dt.timedelta(30),
    )
    stamp(c10, reported_at="03-03 08:40", accepted_at="03-03 08:50")

    # Case 11, 公安 leads: never taken; its take deadline passed on 20 March.
    c11 = s.dispatched(ga)
    b6 = s.task(c11, ga)
    stamp(c11, reported_at="03-20 08:40", accepted_at="03-20 08:50")
    stamp(b6, dispatched_at="03-20 09:00", take_deadline="03-20 15:30")

    # Case 12, 公安 leads: taken in 1 h, due only on 15 April.
    c12 = s.dispatched(ga)
    b7 = s.take(c12, ga)
    stamp(c12, reported_at="03-25 08:40", accepted_at="03-25 08:50")
    stamp(b7, dispatched_at="03-25 09:00", take_deadline="03-25 15:30", taken_at="03-25 10:00")
    stamp(b7, handle_deadline="04-15 17:30")

    # Case 13, 城管 leads: taken in 1 h, handled on time in 6.5 h, closed on 25 March and
    # reopened by its reporter on the 26th: its order is cancelled, as reopening leaves it.
    c13 = s.dispatched(cg)
    a9 = s.take(c13, cg)
    s.handle(c13, cg)
    s.close(c13)
    stamp(c13, reported_at="03-23 08:40", accepted_at="03-23 08:50", closed_at=None)
    Case.objects.filter(pk=c13.pk).update(status="accepted", rework_count=1)
    CaseTask.objects.filter(pk=a9.pk).update(status="cancelled")
    stamp(a9, dispatched_at="03-23 09:00", take_deadline="03-23 15:30", taken_at="03-23 10:00")
    stamp(a9, handle_deadline="03-26 17:30", handled_at="03-24 10:00")
    return loop
