"""Entering next year's holiday notice in one form, and the home pages' warning before it is
entered."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from zhili.audit.models import AuditRecord
from zhili.core import workcalendar
from zhili.core.models import CalendarDay, HolidayNotice
from zhili.people.tests.helpers import zh

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
URL = "/admin/core/calendarday/enter-year/"


@pytest.fixture(autouse=True)
def package_until_2026(monkeypatch):
    monkeypatch.setattr(workcalendar, "_PACKAGE_YEARS", range(2004, 2027))
    workcalendar.forget_calendar()
    yield
    workcalendar.forget_calendar()


def test_the_administrator_enters_the_whole_notice_in_one_form(client, cast):
    client.force_login(cast.admin)
    form = client.get(URL + "?year=2027")
    assert form.status_code == 200
    assert "春节" in form.content.decode()  # the statutory days shown until then

    response = client.post(
        URL,
        {
            "year": 2027,
            "days_off": "2027-02-05 至 2027-02-11 春节\n2027-10-01..2027-10-07 国庆节、中秋节",
            "workdays": "2027-02-14 春节调休上班\n2027-10-09 国庆节调休上班",
            "note": "国办发明电〔2026〕7号",
        },
    )

    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027, is_workday=False).count() == 14
    assert list(CalendarDay.objects.filter(is_workday=True).values_list("date", flat=True)) == [
        dt.date(2027, 2, 14),
        dt.date(2027, 10, 9),
    ]
    assert AuditRecord.objects.filter(action="calendarday.enter_notice").count() == 16
    assert AuditRecord.objects.filter(action="holidaynotice.enter").count() == 1
    assert HolidayNotice.objects.get().note == "国办发明电〔2026〕7号"
    assert workcalendar.is_provisional_year(2027) is False
    assert workcalendar.is_workday(dt.date(2027, 2, 14)) is True  # a Sunday, made up
    assert workcalendar.is_workday(dt.date(2027, 2, 10)) is False


def test_a_bad_line_is_explained_and_nothing_is_saved(client, cast):
    client.force_login(cast.admin)
    response = client.post(URL, {"year": 2027, "days_off": "2027-02-05 春节\n春节 2027-02-06"})

    assert response.status_code == 200
    assert (
        zh(
            "Line %(n)d: write a date or two dates, then the name (e.g. %(example)s).",
            n=2,
            example="2027-02-05 至 2027-02-11 春节",
        )
        in response.content.decode()
    )
    assert not CalendarDay.objects.exists()


def test_a_day_outside_the_year_is_refused(client, cast):
    client.force_login(cast.admin)
    response = client.post(URL, {"year": 2027, "days_off": "2028-01-01 元旦"})

    assert response.status_code == 200
    assert zh("%(day)s is not in %(year)s.", day="2028-01-01", year=2027) in (
        response.content.decode()
    )
    assert not CalendarDay.objects.exists()


def test_only_administrators_may_enter_it(client, cast):
    client.force_login(cast.dispatcher)
    response = client.post(URL, {"year": 2027, "days_off": "2027-01-01 元旦"})
    assert response.status_code == 302 and "/login" in response.url
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(
    ("today", "warned"), [(dt.date(2026, 10, 31), False), (dt.date(2026, 11, 2), True)]
)
def test_the_homes_warn_from_sixty_days_before_the_calendar_ends(client, cast, today, warned):
    with time_machine.travel(dt.datetime.combine(today, dt.time(9), SHANGHAI), tick=False):
        for user, link in ((cast.admin, True), (cast.dispatcher, False)):
            client.force_login(user)
            page = client.get("/").content.decode()
            assert ('data-testid="calendar-warning"' in page) is warned
            if warned:
                assert "2027" in page
                assert (URL + "?year=2027" in page) is link


@pytest.mark.parametrize(
    "line",
    ["2027-10-01 至 10-07 国庆节", "2027-02-05至2月11日 春节", "2027-02-05 2027-02-11 春节"],
)
def test_a_range_written_loosely_is_refused_not_read_as_one_day(client, cast, line):
    client.force_login(cast.admin)
    response = client.post(URL, {"year": 2027, "days_off": line})

    assert response.status_code == 200
    assert (
        zh(
            "Line %(n)d: write both dates in full (e.g. %(example)s); "
            "the name may not hold a date.",
            n=1,
            example="2027-02-05 至 2027-02-11 春节",
        )
        in response.content.decode()
    )
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("year", ["10000", "-1", "1899", "abc"])
def test_a_year_out_of_range_is_a_form_error_not_a_crash(client, cast, year):
    client.force_login(cast.admin)
    assert client.get(f"{URL}?year={year}").status_code == 200
    response = client.post(URL, {"year": year, "days_off": "2027-01-01 元旦"})
    assert response.status_code == 200
    assert not HolidayNotice.objects.exists()


def test_entering_the_notice_again_replaces_its_days(client, cast):
    client.force_login(cast.admin)
    client.post(URL, {"year": 2027, "days_off": "2027-02-05 至 2027-02-11 春节"})
    client.post(URL, {"year": 2027, "days_off": "2027-02-06 至 2027-02-12 春节"})

    days = list(CalendarDay.objects.values_list("date", flat=True))
    assert days == [dt.date(2027, 2, 6) + dt.timedelta(days=n) for n in range(7)]
    assert AuditRecord.objects.filter(action="calendarday.enter_notice_delete").count() == 1
    assert HolidayNotice.objects.count() == 1
