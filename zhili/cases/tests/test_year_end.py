"""The loop across the year's end, when the State Council's notice for the new year is not
known yet: nothing is refused because of a date, deadlines that need the new year are marked
provisional, and they are counted again (audited, owners told) once the year is entered."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import translation

from zhili.audit.models import AuditRecord
from zhili.bulletins.metrics import department_figures
from zhili.cases.models import Case, CaseStatus, CaseTask, ProvisionalDeadline, Receipt
from zhili.cases.selectors import deadline_note, forget_provisional_dues
from zhili.cases.services import intake
from zhili.cases.services.deadlines import (
    enter_holiday_notice,
    recount_provisional_deadlines,
    refile_calendar_refusals,
)
from zhili.cases.services.extensions import grant_extension, request_extension
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    take_task,
    verify_case,
)
from zhili.cases.tests.conftest import as_user, whistle
from zhili.cases.tests.test_api import post, report_payload
from zhili.cases.tests.test_views import report_data
from zhili.core import workcalendar
from zhili.core.models import CalendarDay
from zhili.notifications.models import Notification, NotificationKind
from zhili.open311.tests.conftest import o311  # noqa: F401 -- the fixture, for the Open311 route
from zhili.open311.tests.helpers import form

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAYS = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(41)]  # to 10 January


@pytest.fixture
def package_until_2026(monkeypatch):
    """The package as 1.11 is (2004-2026), so these stories hold after an upgrade."""
    monkeypatch.setattr(workcalendar, "_PACKAGE_YEARS", range(2004, 2027))
    workcalendar.forget_calendar()
    forget_provisional_dues()
    yield
    workcalendar.forget_calendar()
    forget_provisional_dues()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def enter_notice(loop, days_off: dict, workdays: dict | None = None, year: int = 2027):
    return enter_holiday_notice(
        actor=loop.admin, year=year, days_off=days_off, workdays=workdays or {}
    )


def check_marked(deadline: dt.datetime) -> None:
    """A deadline in 2027 counted in working time is marked; one in 2026 is not."""
    forget_provisional_dues()
    with translation.override("zh-hans"):
        note = deadline_note(deadline)
    if deadline.astimezone(SHANGHAI).year == 2027:
        assert note == "暂按常规工作周推算，待录入2027年放假安排后重算", deadline
    else:
        assert note == ""


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_route_and_act_works_on_every_day_around_new_year(
    day,
    client,
    o311,  # noqa: F811 -- the imported fixture
    package_until_2026,
):
    loop = o311
    with time_machine.travel(at(day, 16, 45), tick=False):
        # The four routes a report comes by: the phone's form, the API, the fast intake and
        # Open311. None is refused, whatever the day.
        as_user(client, loop.courier)
        page = client.post("/cases/report/", report_data(loop, idempotency_key=f"f{day}"))
        assert page.status_code == 302, page.content.decode()[:500]
        api = post(client, "/api/v1/cases/", report_payload(loop, description="API"))
        assert api.status_code == 201, api.json()
        quick = post(client, "/api/v1/reports/", report_payload(loop, description="快报"))
        assert quick.status_code == 202, quick.json()
        intake.file_pending()
        assert Receipt.objects.get().status == "filed", Receipt.objects.get().errors
        client.logout()
        o311_answer = client.post("/open311/v2/requests.json", form(loop))
        assert o311_answer.status_code in (200, 201), o311_answer.content
        assert Case.objects.count() == 4
        for case in Case.objects.all():
            check_marked(case.step_deadline)

        # The loop on one of them: dispatch, take, extend, handle, rework, handle, verify.
        case = Case.objects.order_by("id").first()
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = CaseTask.objects.get(case=case)
        check_marked(task.take_deadline)
        take_task(actor=loop.handler, task=task)
        task.refresh_from_db()
        check_marked(task.handle_deadline)
        request_extension(
            actor=loop.handler,
            task=task,
            until=task.handle_deadline + dt.timedelta(days=3),
            reason="材料未到",
        )
        grant_extension(actor=loop.dispatcher, task=task)
        handle_task(actor=loop.handler, task=task, result="已清理")
        verify_case(actor=loop.grid_officer, case=case, passed=False, note="未清理干净")
        task.refresh_from_db()
        check_marked(task.handle_deadline)
        handle_task(actor=loop.handler, task=task, result="复查已清理")
        verify_case(actor=loop.grid_officer, case=case, passed=True)
        close_case(actor=loop.dispatcher, case=case)
        assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_a_bulletin_over_the_years_end_is_counted(loop, package_until_2026):
    with time_machine.travel(at(dt.date(2026, 12, 29), 10), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        take_task(actor=loop.handler, task=case.tasks.get())
    with time_machine.travel(at(dt.date(2027, 1, 6), 10), tick=False):
        handle_task(actor=loop.handler, task=case.tasks.get(), result="已处理")
        bulletin = department_figures(start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 31))
    row = bulletin.department("cg")
    # Taken Tue 29 Dec 10:00 with 3 working days: due Mon 4 Jan 17:30 on 2027's
    # provisional calendar (1 Jan off); handled Wed 6 Jan: late.
    assert (row.dispatched, row.taken, row.handled, row.handled_late) == (1, 1, 1, 1)
    assert bulletin.provisional_year == 2027


def test_a_report_filed_on_new_years_eve_has_a_provisional_deadline_counted_again_later(
    loop, package_until_2026
):
    # Thu 31 Dec 2026, 16:00: taken with 3 working days, due on 2027's provisional calendar
    # Fri 1 Jan (New Year), Mon 4, Tue 5, Wed 6 Jan at 17:30.
    with time_machine.travel(at(dt.date(2026, 12, 31), 15), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = case.tasks.get()
        take_task(actor=loop.handler, task=task)
    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2027, 1, 6), 17, 30)
    check_marked(task.handle_deadline)

    # A local day off alone is not the notice: the year stays provisional, nothing moves.
    CalendarDay.objects.create(date=dt.date(2027, 3, 8), is_workday=False, name="地方假日")
    assert recount_provisional_deadlines() == 0
    # The notice comes: Mon 4 Jan is a day off in lieu. Entering it counts the deadline again
    # from its recorded start, in the same step: Tue 5, Wed 6, Thu 7 Jan.
    with time_machine.travel(at(dt.date(2027, 1, 2), 9), tick=False):
        enter_notice(loop, {dt.date(2027, 1, 4): "元旦补休"})
        # Nothing moves twice.
        assert recount_provisional_deadlines() == 0

    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2027, 1, 7), 17, 30)
    case.refresh_from_db()
    assert case.step_deadline == task.handle_deadline
    forget_provisional_dues()
    assert deadline_note(task.handle_deadline) == ""
    assert not ProvisionalDeadline.objects.exists()
    [audit] = AuditRecord.objects.filter(action="case.recount_deadline")
    assert list(audit.changes.values()) == [
        [at(dt.date(2027, 1, 6), 17, 30).isoformat(), at(dt.date(2027, 1, 7), 17, 30).isoformat()]
    ]
    assert audit.actor_label == "system:calendar"
    # The department that owns the order is told, in its own language.
    [told] = Notification.objects.filter(kind=NotificationKind.DEADLINE_MOVED)
    assert told.recipient == loop.handler
    assert "01-07 17:30" in told.body


def test_a_deadline_replaced_before_the_notice_is_not_moved(loop, package_until_2026):
    with time_machine.travel(at(dt.date(2026, 12, 31), 15), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = case.tasks.get()
        take_task(actor=loop.handler, task=task)
        handle_task(actor=loop.handler, task=task, result="已处理")
    enter_notice(loop, {dt.date(2027, 1, 4): "元旦补休"})

    # Only the deadline still running moved: the check on the spot, 1 working day from
    # 31 Dec 15:00, was Mon 4 Jan and is now Tue 5 Jan. The order's handle-by was met.
    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2027, 1, 6), 17, 30)
    case.refresh_from_db()
    assert (case.step, case.step_deadline) == ("verify", at(dt.date(2027, 1, 5), 17, 30))
    [audit] = AuditRecord.objects.filter(action="case.recount_deadline")
    assert list(audit.changes) == ["核查"]
    # The case's own clocks (accept, dispatch, check) belong to the centre: it is told.
    assert {n.recipient for n in Notification.objects.filter(kind="deadline_moved")} == {
        loop.dispatcher
    }


def test_receipts_once_refused_for_an_unknown_year_are_filed_again(client, loop):
    as_user(client, loop.courier)
    assert post(client, "/api/v1/reports/", report_payload(loop)).status_code == 202
    receipt = Receipt.objects.get()
    # As the filer left it before the provisional calendar existed.
    Receipt.objects.filter(pk=receipt.pk).update(
        status="refused", errors={"code": "calendar_unknown", "message": "…", "fields": {}}
    )

    assert refile_calendar_refusals() == 1
    intake.file_pending()

    receipt.refresh_from_db()
    assert receipt.status == "filed" and receipt.case is not None
    assert AuditRecord.objects.filter(action="receipt.refile").count() == 1


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_demo_city_builds_on_every_day_around_new_year(
    day, db, monkeypatch, package_until_2026
):
    from zhili.demo import cases as demo_cases
    from zhili.demo.builder import build_demo_city

    # A month of cases rather than a year: the same code paths, in a second rather than eight.
    monkeypatch.setattr(demo_cases, "CASE_COUNT", 240)
    monkeypatch.setattr(demo_cases, "DAYS", 20)
    build = build_demo_city(seed=2026, now=at(day, 15))
    assert build.counts["cases"] == Case.objects.count() == 240
    open_cases = Case.objects.filter(status__in=["reported", "accepted", "dispatched"])
    assert open_cases.filter(step_deadline__isnull=False).exists()

    # Every clock still running into 2027 is kept as provisional, as the services keep it:
    # the case's own (accept, dispatch, verify) and its orders' (take, handle; a granted
    # extension's date was chosen, not counted).
    def in_2027(moment):
        return moment is not None and moment.astimezone(SHANGHAI).year == 2027

    own = Case.objects.filter(step__in=["accept", "dispatch", "verify"])
    expected = {(c.pk, None, c.step) for c in own if c.is_open and in_2027(c.step_deadline)}
    for t in CaseTask.objects.filter(status__in=["dispatched", "taken"]):
        if t.status == "dispatched" and in_2027(t.take_deadline):
            expected.add((t.case_id, t.pk, "take"))
        elif t.status == "taken" and t.extension_status != "granted" and in_2027(t.handle_deadline):
            expected.add((t.case_id, t.pk, "handle"))
    marked = set(ProvisionalDeadline.objects.values_list("case_id", "task_id", "step"))
    assert marked == expected
    if day.year == 2027:
        assert marked  # in 2027 itself every running clock was counted on its calendar


def test_a_provisional_deadline_is_said_so_on_the_page_the_api_open311_and_webhooks(
    client,
    o311,  # noqa: F811 -- the imported fixture
    package_until_2026,
):
    from zhili.webhooks.payloads import case_facts

    words = "暂按常规工作周推算，待录入2027年放假安排后重算"
    # Wed 30 Dec 2026 17:00, through Open311: accept within 2 working hours, so by
    # Thu 31 Dec 10:30; dispatched then with 4 working hours to take: Mon 4 Jan (provisional).
    with time_machine.travel(at(dt.date(2026, 12, 31), 16), tick=False):
        answer = client.post("/open311/v2/requests.json", form(o311))
        case = Case.objects.get()
        accept_case(actor=o311.dispatcher, case=case)
        dispatch_case(actor=o311.dispatcher, case=case, lead=o311.cg)
        case.refresh_from_db()
        assert case.step_deadline.astimezone(SHANGHAI).date() == dt.date(2027, 1, 4)
        forget_provisional_dues()

        page = as_user(client, o311.dispatcher).get(f"/cases/{case.pk}/").content.decode()
        assert "暂定" in page and words in page
        detail = client.get(f"/api/v1/cases/{case.pk}").json()
        assert detail["step_deadline_note"] == words
        assert detail["tasks"][0]["deadline_note"] == words
        client.logout()
        o311_entry = client.get(f"/open311/v2/requests/{case.number}.json").json()[0]
        assert o311_entry["status_notes"].endswith(words)
        assert case_facts(case)["step_deadline_note"] == words
    assert answer.status_code in (200, 201)

    # A deadline within 2026 says nothing.
    with time_machine.travel(at(dt.date(2026, 12, 28), 9), tick=False):
        early = whistle(o311)
        assert early.step_deadline.astimezone(SHANGHAI).year == 2026
        forget_provisional_dues()
        detail = as_user(client, o311.dispatcher).get(f"/api/v1/cases/{early.pk}").json()
        assert detail["step_deadline_note"] == ""
        assert case_facts(early)["step_deadline_note"] is None


def test_a_deadline_across_two_unknown_years_is_counted_again_year_by_year(loop, monkeypatch):
    # The package knows up to 2026; 2027 and 2028 are provisional. Taken Thu 30 Dec 2027
    # 10:00 with 3 working days: Fri 31 Dec, (Sat, Sun, Mon 3 Jan 2028 New Year's Day off
    # in lieu? not guessed) Mon 3, Tue 4 Jan 2028 17:30 on 2028's provisional calendar.
    monkeypatch.setattr(workcalendar, "_PACKAGE_YEARS", range(2004, 2027))
    workcalendar.forget_calendar()
    with time_machine.travel(at(dt.date(2027, 12, 30), 10), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = case.tasks.get()
        take_task(actor=loop.handler, task=task)
    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2028, 1, 4), 17, 30)
    assert ProvisionalDeadline.objects.get(task=task, step="handle").year == 2027

    # 2027's notice makes Fri 31 Dec 2027 a day off: counted again at once, on 2028's
    # provisional calendar (Mon 3, Tue 4, Wed 5 Jan), and still provisional for 2028.
    enter_notice(loop, {dt.date(2027, 12, 31): "元旦"})
    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2028, 1, 5), 17, 30)
    assert ProvisionalDeadline.objects.get(task=task, step="handle").year == 2028

    enter_notice(loop, {dt.date(2028, 1, 3): "元旦补休"}, year=2028)
    task.refresh_from_db()
    assert task.handle_deadline == at(dt.date(2028, 1, 6), 17, 30)
    assert not ProvisionalDeadline.objects.filter(step="handle").exists()
    workcalendar.forget_calendar()


def test_last_months_bulletin_drawn_in_january_says_its_deadlines_are_provisional(
    loop, package_until_2026
):
    with time_machine.travel(at(dt.date(2026, 12, 31), 15), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    with time_machine.travel(at(dt.date(2027, 1, 4), 10), tick=False):
        bulletin = department_figures(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31))
    assert bulletin.provisional_year == 2027
    # Drawn in December, the same period reads no deadline of 2027 yet.
    with time_machine.travel(at(dt.date(2026, 12, 31), 16), tick=False):
        bulletin = department_figures(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 30))
    assert bulletin.provisional_year is None


def test_an_extension_date_in_the_new_year_is_not_marked_provisional(
    client, loop, package_until_2026
):
    # An order taken Mon 28 Dec 10:00 is due Thu 31 Dec 17:30 (2026: not provisional).
    with time_machine.travel(at(dt.date(2026, 12, 28), 10), tick=False):
        other = whistle(loop, description="另一处占道")
        accept_case(actor=loop.dispatcher, case=other)
        dispatch_case(actor=loop.dispatcher, case=other, lead=loop.cg)
        other_task = other.tasks.get()
        take_task(actor=loop.handler, task=other_task)
    # One taken Wed 30 Dec 15:00 is due Tue 5 Jan 2027 17:30, provisionally.
    with time_machine.travel(at(dt.date(2026, 12, 30), 15), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
        task = case.tasks.get()
        take_task(actor=loop.handler, task=task)
        task.refresh_from_db()
        provisional_due = task.handle_deadline
        assert provisional_due == at(dt.date(2027, 1, 5), 17, 30)
        # The first order is given until that same moment: a chosen date, never recounted.
        request_extension(actor=loop.handler, task=other_task, until=provisional_due, reason="等")
        grant_extension(actor=loop.dispatcher, task=other_task)

        as_user(client, loop.dispatcher)
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert "暂按常规工作周推算" in page  # marked the moment after the act
        other_page = client.get(f"/cases/{other.pk}/").content.decode()
        assert "暂按常规工作周推算" not in other_page
        detail = client.get(f"/api/v1/cases/{other.pk}").json()
        assert detail["step_deadline_note"] == ""
        assert detail["tasks"][0]["deadline_note"] == ""


def test_the_recount_job_reads_the_calendar_afresh(loop, package_until_2026):
    from zhili.cases.tasks import recount_deadlines
    from zhili.core.models import HolidayNotice

    with time_machine.travel(at(dt.date(2026, 12, 31), 15), tick=False):
        case = whistle(loop)
        accept_case(actor=loop.dispatcher, case=case)
        dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    assert workcalendar.is_provisional_year(2027)  # this process has 2027 cached as unknown
    # Entered by another process: no signal reaches this one's cache.
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=dt.date(2027, 1, 4), is_workday=False, name="元旦补休")]
    )
    HolidayNotice.objects.bulk_create([HolidayNotice(year=2027)])

    result = recount_deadlines.call()

    assert result["moved"] == 1
    assert not ProvisionalDeadline.objects.exists()
