"""The working-time calendar, told as stories around real holidays, then as properties.

The schedule (WORK_HOURS) is 8:30-12:00 and 14:30-17:30: 3.5 h in the morning, 3 h in the
afternoon, 6.5 h a day. The 2026 arrangement, as the State Council's notice gives it and as
chinese_calendar 1.11 holds it in its constants:

    New Year        1 Jan (Thu) - 3 Jan (Sat) off; Sun 4 Jan worked
    Spring Festival 15 Feb (Sun) - 23 Feb (Mon) off; Sat 14 Feb and Sat 28 Feb worked
    Mid-autumn      25 Sep (Fri) - 27 Sep (Sun) off
    National Day    1 Oct (Thu) - 7 Oct (Wed) off; Sun 20 Sep and Sat 10 Oct worked

The package knows 2004-2026; 2027 is unknown to it (its notice is due in November 2026).
"""

import datetime as dt
from decimal import Decimal

import chinese_calendar
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.audit.models import AuditRecord
from zhili.core import workcalendar
from zhili.core.models import CalendarDay, HolidayNotice
from zhili.core.workcalendar import (
    SHANGHAI,
    WORK_HOURS,
    WORKDAY_HOURS,
    TimeUnit,
    add_calendar_days,
    add_calendar_hours,
    add_working_days,
    add_working_hours,
    calendar_known_until,
    deadline,
    is_provisional_year,
    is_workday,
    provisional_deadline_year,
    provisional_note,
    statutory_holidays,
    working_hours_between,
    working_time_between,
)


@pytest.fixture(autouse=True)
def fresh_calendar(db):
    # A rolled-back test transaction sends no signal: never let a cached override leak.
    workcalendar.forget_calendar()
    yield
    workcalendar.forget_calendar()


def at(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def d(year, month, day) -> dt.date:
    return dt.date(year, month, day)


@pytest.fixture
def package_until_2026(monkeypatch):
    """The package as 1.11 is, knowing 2004-2026, so that these stories about an unknown 2027
    hold after an upgrade that knows it."""
    monkeypatch.setattr(workcalendar, "_PACKAGE_YEARS", range(2004, 2027))


# --- Which days are working days ------------------------------------------------------------


def test_the_schedule_is_six_and_a_half_hours_a_day():
    assert WORKDAY_HOURS == Decimal("6.5")
    assert WORK_HOURS[0] == (dt.time(8, 30), dt.time(12, 0))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (d(2026, 9, 30), True),  # Wednesday before National Day
        (d(2026, 10, 1), False),  # National Day, Thursday
        (d(2026, 10, 7), False),  # last day of the holiday, Wednesday
        (d(2026, 10, 8), True),  # back to work, Thursday
        (d(2026, 10, 10), True),  # Saturday, make-up working day
        (d(2026, 10, 11), False),  # plain Sunday
        (d(2026, 9, 20), True),  # Sunday, make-up working day
        (d(2026, 2, 14), True),  # Saturday, make-up working day before Spring Festival
        (d(2026, 2, 16), False),  # Spring Festival, Monday
        (d(2026, 2, 23), False),  # Spring Festival, Monday
        (d(2026, 2, 28), True),  # Saturday, make-up working day after Spring Festival
        (d(2026, 1, 4), True),  # Sunday, make-up working day after New Year
    ],
)
def test_public_holidays_and_make_up_days_of_2026(day, expected):
    assert is_workday(day) is expected


def test_an_aware_datetime_is_taken_as_its_shanghai_date():
    # 2026-10-09 16:30 UTC is 2026-10-10 00:30 in Shanghai: the make-up Saturday.
    assert is_workday(dt.datetime(2026, 10, 9, 16, 30, tzinfo=dt.UTC)) is True
    assert is_workday(dt.date(2026, 10, 9)) is True  # Friday
    assert is_workday(dt.datetime(2026, 10, 10, 16, 30, tzinfo=dt.UTC)) is False  # Sunday 11th


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 9, 30, 15, 0), 1)


# --- National Day 2026 -------------------------------------------------------------------


def test_two_working_days_from_the_eve_of_national_day():
    # Reported Wed 30 Sep 15:00. The report day does not count; 1-7 Oct are off;
    # Thu 8 Oct is the first working day, Fri 9 Oct the second: due Fri 9 Oct 17:30.
    assert add_working_days(at(2026, 9, 30, 15), 2) == at(2026, 10, 9, 17, 30)


def test_the_make_up_saturday_after_national_day_counts_as_a_working_day():
    # The third working day after 30 Sep is Sat 10 Oct (make-up day): due there at 17:30.
    assert add_working_days(at(2026, 9, 30, 15), 3) == at(2026, 10, 10, 17, 30)
    # The fourth skips Sun 11 Oct: Mon 12 Oct 17:30.
    assert add_working_days(at(2026, 9, 30, 15), 4) == at(2026, 10, 12, 17, 30)


def test_working_hours_across_national_day():
    # Reported Wed 30 Sep 16:00 with 10 working hours: 1.5 h that day (16:00-17:30),
    # nothing 1-7 Oct, 6.5 h on Thu 8 Oct (8 h so far), 2 h on Fri 9 Oct from 8:30: 10:30.
    assert add_working_hours(at(2026, 9, 30, 16), 10) == at(2026, 10, 9, 10, 30)
    # 8 hours: 1.5 h on 30 Sep + 6.5 h on 8 Oct, ending at the close of 8 Oct.
    assert add_working_hours(at(2026, 9, 30, 16), 8) == at(2026, 10, 8, 17, 30)


def test_a_make_up_sunday_is_worked_like_any_working_day():
    # Reported on the rest day Sat 19 Sep 10:00 with 4 working hours: the clock starts on
    # the make-up Sunday 20 Sep at 8:30; 3.5 h to 12:00, then 0.5 h from 14:30: Sun 15:00.
    assert add_working_hours(at(2026, 9, 19, 10), 4) == at(2026, 9, 20, 15, 0)


def test_working_hours_between_over_national_day_and_mid_autumn():
    # Thu 24 Sep 12:00 to Sat 10 Oct 9:00: 24 Sep afternoon 3 h; 25-27 Sep Mid-autumn off;
    # 28, 29, 30 Sep 3 x 6.5 = 19.5 h; 1-7 Oct off; 8, 9 Oct 13 h; Sat 10 Oct 8:30-9:00 0.5 h.
    # 3 + 19.5 + 13 + 0.5 = 36 h.
    assert working_hours_between(at(2026, 9, 24, 12), at(2026, 10, 10, 9)) == Decimal(36)


def test_working_time_is_exact_to_the_microsecond():
    # Mon 12 Oct 2026 9:00:00 to 9:00:01.000001: one second and a microsecond.
    start = at(2026, 10, 12, 9)
    end = start + dt.timedelta(seconds=1, microseconds=1)
    assert working_time_between(start, end) == dt.timedelta(seconds=1, microseconds=1)
    # Over lunch: 11:00 to 15:00 is 1 h + 0.5 h.
    assert working_time_between(at(2026, 10, 12, 11), at(2026, 10, 12, 15)) == dt.timedelta(
        hours=1, minutes=30
    )


def test_nothing_is_worked_during_the_holiday_itself():
    assert working_hours_between(at(2026, 10, 1, 9), at(2026, 10, 7, 17)) == 0
    assert working_hours_between(at(2026, 10, 9, 9), at(2026, 10, 1, 9)) == 0  # end first


# --- Spring Festival 2026 ----------------------------------------------------------------


def test_one_working_day_before_spring_festival_lands_on_the_make_up_saturday():
    # Reported Fri 13 Feb 11:00; the next working day is Sat 14 Feb (make-up day).
    assert add_working_days(at(2026, 2, 13, 11), 1) == at(2026, 2, 14, 17, 30)
    # Two working days: 15-23 Feb are off, so Tue 24 Feb 17:30.
    assert add_working_days(at(2026, 2, 13, 11), 2) == at(2026, 2, 24, 17, 30)


def test_working_hours_from_the_make_up_saturday_over_spring_festival():
    # Reported on the make-up Sat 14 Feb 17:00 with 1 working hour: 0.5 h until 17:30,
    # then 0.5 h on Tue 24 Feb from 8:30: 9:00.
    assert add_working_hours(at(2026, 2, 14, 17), 1) == at(2026, 2, 24, 9, 0)


def test_working_hours_into_the_make_up_saturday_after_spring_festival():
    # Reported Fri 27 Feb 16:30 with 5 working hours: 1 h until 17:30, then on the make-up
    # Sat 28 Feb 3.5 h to 12:00 and 0.5 h from 14:30: Sat 28 Feb 15:00.
    assert add_working_hours(at(2026, 2, 27, 16, 30), 5) == at(2026, 2, 28, 15, 0)


def test_working_hours_between_over_spring_festival():
    # Fri 13 Feb 9:00 to Tue 24 Feb 10:00: 13 Feb 3 h + 3 h = 6 h; Sat 14 Feb 6.5 h;
    # 15-23 Feb nothing; 24 Feb 8:30-10:00 1.5 h. 6 + 6.5 + 1.5 = 14 h.
    assert working_hours_between(at(2026, 2, 13, 9), at(2026, 2, 24, 10)) == Decimal(14)


def test_new_year_make_up_sunday_across_the_turn_of_the_year():
    # Reported Wed 31 Dec 2025 17:00 with 1 working day: 1-3 Jan 2026 are off, Sun 4 Jan is
    # a make-up working day: due Sun 4 Jan 2026 17:30.
    assert add_working_days(at(2025, 12, 31, 17), 1) == at(2026, 1, 4, 17, 30)
    # 0.5 h left on 31 Dec, then 2 h on Sun 4 Jan from 8:30: 10:30.
    assert add_working_hours(at(2025, 12, 31, 17), Decimal("2.5")) == at(2026, 1, 4, 10, 30)


# --- The rules at the edges of the day ---------------------------------------------------


def test_a_start_outside_working_time_begins_at_the_next_working_period():
    # Mon 12 Oct 2026. Before work: from 8:30. At lunch: from 14:30. After work: next day.
    assert add_working_hours(at(2026, 10, 12, 7), 1) == at(2026, 10, 12, 9, 30)
    assert add_working_hours(at(2026, 10, 12, 13), 1) == at(2026, 10, 12, 15, 30)
    assert add_working_hours(at(2026, 10, 12, 20), 1) == at(2026, 10, 13, 9, 30)


def test_a_deadline_that_fills_the_morning_ends_at_noon():
    # 8:30 + 3.5 h is 12:00, not 14:30; half an hour more is 15:00.
    assert add_working_hours(at(2026, 10, 12, 8, 30), Decimal("3.5")) == at(2026, 10, 12, 12)
    assert add_working_hours(at(2026, 10, 12, 8, 30), 4) == at(2026, 10, 12, 15)


def test_zero_working_hours_gives_the_next_working_moment():
    assert add_working_hours(at(2026, 10, 12, 10), 0) == at(2026, 10, 12, 10)
    assert add_working_hours(at(2026, 10, 12, 12), 0) == at(2026, 10, 12, 12)
    assert add_working_hours(at(2026, 10, 12, 13), 0) == at(2026, 10, 12, 14, 30)
    assert add_working_hours(at(2026, 10, 3, 10), 0) == at(2026, 10, 8, 8, 30)


def test_a_limit_of_one_working_day_from_friday_afternoon_is_due_monday_evening():
    # Fri 16 Oct 2026 15:00; the report day does not count: Mon 19 Oct 17:30.
    assert add_working_days(at(2026, 10, 16, 15), 1) == at(2026, 10, 19, 17, 30)


def test_zero_working_days_means_by_the_close_of_the_same_working_day():
    assert add_working_days(at(2026, 10, 12, 9), 0) == at(2026, 10, 12, 17, 30)
    # After the close, or on a rest day: the close of the next working day.
    assert add_working_days(at(2026, 10, 12, 18), 0) == at(2026, 10, 13, 17, 30)
    assert add_working_days(at(2026, 10, 3, 9), 0) == at(2026, 10, 8, 17, 30)


def test_fractions_of_an_hour():
    # 0.25 h from 9:00 is 9:15; a float is taken as written.
    assert add_working_hours(at(2026, 10, 12, 9), Decimal("0.25")) == at(2026, 10, 12, 9, 15)
    assert add_working_hours(at(2026, 10, 12, 9), 0.1) == at(2026, 10, 12, 9, 6)
    assert working_hours_between(at(2026, 10, 12, 9), at(2026, 10, 12, 9, 6)) == Decimal("0.1")


def test_wrong_amounts_are_refused():
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 10, 12, 9), -1)
    with pytest.raises(ValueError):
        add_working_days(at(2026, 10, 12, 9), 1.5)
    with pytest.raises(TypeError):
        add_working_hours(at(2026, 10, 12, 9), "2")
    with pytest.raises(ValueError):
        deadline(at(2026, 10, 12, 9), 1, "fortnights")


# --- Natural time ------------------------------------------------------------------------


def test_urgent_cases_count_natural_time_through_the_holiday():
    # Wed 30 Sep 22:00 + 4 natural hours: Thu 1 Oct 02:00, a holiday, all the same.
    assert add_calendar_hours(at(2026, 9, 30, 22), 4) == at(2026, 10, 1, 2)
    # Two natural days from 30 Sep 15:00: the start day does not count; the period ends at
    # 24:00 on 2 Oct, given as 00:00 on 3 Oct.
    assert add_calendar_days(at(2026, 9, 30, 15), 2) == at(2026, 10, 3, 0)


def test_results_are_in_shanghai_time():
    start = dt.datetime(2026, 9, 30, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai
    due = add_working_days(start, 2)
    assert due == at(2026, 10, 9, 17, 30)
    assert due.tzinfo == SHANGHAI
    assert add_calendar_hours(start, 1).tzinfo == SHANGHAI


def test_deadline_dispatches_on_the_unit():
    start = at(2026, 9, 30, 16)
    assert deadline(start, 10, TimeUnit.WORKING_HOURS) == at(2026, 10, 9, 10, 30)
    assert deadline(start, 2, TimeUnit.WORKING_DAYS) == at(2026, 10, 9, 17, 30)
    assert deadline(start, 10, TimeUnit.CALENDAR_HOURS) == at(2026, 10, 1, 2)
    assert deadline(start, 2, "calendar_days") == at(2026, 10, 3, 0)


def test_time_units_carry_translatable_labels():
    from django.utils import translation

    with translation.override("en"):
        assert [str(label) for label in TimeUnit.labels] == [
            "working hours",
            "working days",
            "calendar hours",
            "calendar days",
        ]


# --- Overrides and unknown years ---------------------------------------------------------


def test_an_override_adds_a_holiday():
    # A local day off on Fri 9 Oct 2026: two working days from 30 Sep are now Thu 8 Oct and
    # the make-up Sat 10 Oct.
    CalendarDay.objects.create(date=d(2026, 10, 9), is_workday=False, name="地方假日")

    assert is_workday(d(2026, 10, 9)) is False
    assert add_working_days(at(2026, 9, 30, 15), 2) == at(2026, 10, 10, 17, 30)


def test_an_override_can_make_a_rest_day_a_working_day_and_deleting_it_restores_the_package():
    override = CalendarDay.objects.create(date=d(2026, 10, 11), is_workday=True, name="加班")
    assert is_workday(d(2026, 10, 11)) is True

    override.delete()

    assert is_workday(d(2026, 10, 11)) is False


def test_an_unknown_year_is_counted_on_the_plain_week_minus_the_statutory_holidays(
    package_until_2026,
):
    # 2027 by the national rules: New Year Fri 1 Jan; Spring Festival New Year's Eve Fri 5 Feb
    # to the 3rd day Mon 8 Feb; Qingming Mon 5 Apr; Labour Day Sat 1 - Sun 2 May; Dragon Boat
    # Wed 9 Jun; Mid-Autumn Wed 15 Sep; National Day Fri 1 - Sun 3 Oct.
    rest = [d(2027, 1, 1), d(2027, 2, 5), d(2027, 2, 8), d(2027, 4, 5), d(2027, 6, 9)]
    rest += [d(2027, 9, 15), d(2027, 10, 1)]
    assert [is_workday(day) for day in rest] == [False] * len(rest)
    # Everything else is the plain week: no make-up working day is guessed.
    assert is_workday(d(2027, 2, 9)) is True  # Tuesday after the festival
    assert is_workday(d(2027, 2, 20)) is False  # a Saturday, whatever the notice will say
    assert is_provisional_year(2027) is True
    assert is_provisional_year(2026) is False


def test_the_statutory_holidays_agree_with_the_notices_the_package_knows():
    # 2025 and 2026 are the years of the rules as amended in 2024 (13 days): each day the rules
    # fix is a holiday in the State Council's notices as the package holds them.
    for year in (2025, 2026):
        days = statutory_holidays(year)
        assert len(days) == 13
        for day in days:
            assert chinese_calendar.is_holiday(day), (year, day)


def test_a_deadline_running_into_an_unknown_year_is_provisional(package_until_2026):
    # Wed 30 Dec 2026 with 3 working days: Thu 31 Dec, (Fri 1 Jan 2027 New Year), Mon 4 and
    # Tue 5 Jan: due Tue 5 Jan 17:30, counted on 2027's provisional calendar.
    start = at(2026, 12, 30, 10)
    due = add_working_days(start, 3)
    assert due == at(2027, 1, 5, 17, 30)
    assert provisional_deadline_year(start, due, TimeUnit.WORKING_DAYS) == 2027
    # One working day stays within 2026: not provisional.
    one = add_working_days(start, 1)
    assert one == at(2026, 12, 31, 17, 30)
    assert provisional_deadline_year(start, one, TimeUnit.WORKING_DAYS) is None
    # Natural time needs no calendar and is never provisional.
    assert provisional_deadline_year(start, at(2027, 1, 2), TimeUnit.CALENDAR_DAYS) is None


def test_the_provisional_note_names_the_year():
    with translation.override("zh-hans"):
        assert provisional_note(2027) == "暂按常规工作周推算，待录入2027年放假安排后重算"


def test_natural_time_needs_no_calendar(package_until_2026):
    assert add_calendar_hours(at(2027, 5, 1, 10), 2) == at(2027, 5, 1, 12)
    assert add_calendar_days(at(2027, 5, 1, 10), 1) == at(2027, 5, 3, 0)


def test_entering_next_years_notice_makes_that_year_known(package_until_2026):
    assert calendar_known_until() == d(2026, 12, 31)

    # A notice that gives Mon 4 Jan off and makes Sun 3 Jan a working day (made up).
    CalendarDay.objects.create(date=d(2027, 1, 4), is_workday=False, name="元旦补休")
    CalendarDay.objects.create(date=d(2027, 1, 3), is_workday=True, name="元旦调休上班")
    # The days alone do not make the year known: a local change is not the notice.
    assert is_provisional_year(2027) is True
    assert calendar_known_until() == d(2026, 12, 31)

    HolidayNotice.objects.create(year=2027, note="国办发明电")

    assert calendar_known_until() == d(2027, 12, 31)
    assert is_provisional_year(2027) is False
    # Wed 30 Dec 2026 + 3 working days: Thu 31 Dec, Fri 1 Jan off (statutory), Sun 3 Jan
    # (made up), Mon 4 Jan off (entered), Tue 5 Jan: due Tue 5 Jan 17:30.
    assert add_working_days(at(2026, 12, 30, 10), 3) == at(2027, 1, 5, 17, 30)
    assert add_working_days(at(2026, 12, 30, 10), 2) == at(2027, 1, 3, 17, 30)
    # The days not entered follow the plain week minus the statutory holidays.
    assert is_workday(d(2027, 3, 6)) is False  # Saturday
    assert is_workday(d(2027, 3, 8)) is True  # Monday
    assert is_workday(d(2027, 10, 1)) is False  # National Day, not entered


def test_a_later_year_entered_without_the_one_before_leaves_a_gap(package_until_2026):
    HolidayNotice.objects.create(year=2028)

    assert calendar_known_until() == d(2026, 12, 31)
    assert is_provisional_year(2027) is True
    assert is_workday(d(2027, 6, 1)) is True  # a Tuesday, provisionally
    assert is_workday(d(2028, 1, 3)) is True  # Monday of an entered year


def test_an_override_saved_in_another_process_is_seen_after_the_recheck(monkeypatch):
    assert is_workday(d(2026, 10, 12)) is True
    # QuerySet.update/bulk_create send no signal, like a write made by another process.
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d(2026, 10, 12), is_workday=False, name="地方假日")]
    )
    assert is_workday(d(2026, 10, 12)) is True  # still the cached answer

    monkeypatch.setattr(workcalendar, "RECHECK_SECONDS", 0)

    assert is_workday(d(2026, 10, 12)) is False


# --- The configuration area --------------------------------------------------------------


def test_an_administrator_enters_next_years_notice_in_the_configuration_area(
    client, cast, package_until_2026
):
    client.force_login(cast.admin)

    listing = client.get("/admin/core/calendarday/")
    assert listing.status_code == 200
    # "known until" shows the last day covered, in the page's language (Chinese).
    assert "2026年12月31日" in listing.content.decode()

    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2027-02-06", "name": "春节", "note": "国办发明电", "_save": "1"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date=d(2027, 2, 6))
    record = AuditRecord.objects.get(action="calendarday.admin_create")
    assert record.object_id == str(day.pk)
    assert record.actor == cast.admin
    # The signal dropped the cache: the day counts at once; one day is not the year's notice.
    assert is_workday(d(2027, 2, 6)) is False
    assert calendar_known_until() == d(2026, 12, 31)


def test_deleting_an_override_in_the_configuration_area_is_audited(
    client, cast, package_until_2026
):
    day = CalendarDay.objects.create(date=d(2027, 1, 4), is_workday=False, name="元旦补休")
    assert is_workday(d(2027, 1, 4)) is False
    client.force_login(cast.admin)

    response = client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert AuditRecord.objects.filter(action="calendarday.admin_delete").count() == 1
    assert is_workday(d(2027, 1, 4)) is True


def test_other_roles_cannot_open_the_calendar(client, cast):
    client.force_login(cast.dispatcher)

    response = client.get("/admin/core/calendarday/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Properties --------------------------------------------------------------------------

# Starts from 2025 to the end of September 2026, amounts up to 100 h (about 15 working
# days): every result stays within the years the package knows.
starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 9, 30, 23, 59)
).map(lambda naive: naive.replace(tzinfo=SHANGHAI))
amounts = st.decimals(min_value=0, max_value=100, places=2)
property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def inside_working_time(moment: dt.datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return is_workday(local.date()) and any(a <= local.time() <= b for a, b in WORK_HOURS)


def reference_working_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Day by day, period by period: the slow, obvious count."""
    total = dt.timedelta(0)
    day = start.astimezone(SHANGHAI).date()
    while day <= end.astimezone(SHANGHAI).date():
        if is_workday(day):
            for a, b in WORK_HOURS:
                lo = max(start, dt.datetime.combine(day, a, tzinfo=SHANGHAI))
                hi = min(end, dt.datetime.combine(day, b, tzinfo=SHANGHAI))
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return Decimal(total // dt.timedelta(microseconds=1)) / Decimal(3_600_000_000)


@property_settings
@given(start=starts, a=amounts, b=amounts)
def test_adding_working_hours_in_two_steps_is_adding_them_at_once(start, a, b):
    assert add_working_hours(start, a + b) == add_working_hours(add_working_hours(start, a), b)


@property_settings
@given(start=starts, hours=amounts)
def test_working_hours_between_undoes_add_working_hours(start, hours):
    # Holds for any start; starts inside working time are the case the brief names.
    assert working_hours_between(start, add_working_hours(start, hours)) == hours


@property_settings
@given(start=starts, hours=amounts)
def test_a_working_hours_deadline_is_inside_working_time_on_a_working_day(start, hours):
    due = add_working_hours(start, hours)

    assert inside_working_time(due)
    assert due >= start
    if hours > 0:
        assert due > start


@property_settings
@given(start=starts, days=st.integers(min_value=0, max_value=20))
def test_a_working_days_deadline_is_the_close_of_a_working_day(start, days):
    due = add_working_days(start, days)

    assert is_workday(due.date())
    assert due.time() == WORK_HOURS[-1][1]
    assert due > start


@property_settings
@given(start=starts, hours=st.decimals(min_value=0, max_value=400, places=4))
def test_working_hours_between_agrees_with_counting_day_by_day(start, hours):
    # An end up to 400 natural hours later, anywhere in the day.
    end = start + dt.timedelta(hours=float(hours))

    assert working_hours_between(start, end) == reference_working_hours(start, end)


@property_settings
@given(first=starts, gaps=st.lists(st.integers(0, 30 * 86400), min_size=2, max_size=2))
def test_working_time_adds_up_over_consecutive_spans(first, gaps):
    # What a bulletin does: add spans up exactly, then divide once.
    middle = first + dt.timedelta(seconds=gaps[0])
    last = middle + dt.timedelta(seconds=gaps[1])

    assert working_time_between(first, middle) + working_time_between(
        middle, last
    ) == working_time_between(first, last)
