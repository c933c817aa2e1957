"""The working-time calendar on which every case deadline is counted (docs/calendar.md).

Which days are working days comes from China's official calendar: the `chinese_calendar`
package knows the State Council's holiday notices up to its release (public holidays and the
make-up working days on weekends, 调休), and `CalendarDay` rows entered by an administrator
win over it; that is how next year's notice is entered before the package knows that year.
Which hours are working hours is the constant WORK_HOURS.

Aware datetimes go in and come out (in Asia/Shanghai). Inside, time is Shanghai wall-clock
time in whole microseconds, so results are exact and properties such as
`add_working_hours(s, a + b) == add_working_hours(add_working_hours(s, a), b)` hold exactly.
Each year's working-day flags and their running counts are built once per process and
cached, so counting the working days in a span is two look-ups rather than a walk over its
days: a bulletin may call `working_hours_between` a million times.
"""

import bisect
import datetime as dt
import itertools
from decimal import ROUND_CEILING, Context, Decimal
from time import monotonic
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lunardate import LunarDate

from zhili.core.models import CalendarDay, HolidayNotice

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The working hours of a street office in Jiangxi: 8:30-12:00 and 14:30-17:30, 6.5 hours a
# day, the same on every working day (make-up days included). A constant, not a setting:
# every deadline already set was counted on it.
WORK_HOURS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(14, 30), dt.time(17, 30)),
)

# Overrides saved in this process take effect at once (signals); those saved by another
# process (another web worker, the task worker) within this many seconds.
RECHECK_SECONDS = 60

_US = 1_000_000
_US_PER_HOUR = 3600 * _US
_US_PER_DAY = 24 * _US_PER_HOUR
# China has kept UTC+8 without daylight saving since 1991, so for every year a calendar
# covers, Shanghai wall-clock time is UTC moved on by eight hours.
_OFFSET_US = 8 * _US_PER_HOUR
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_ONE_US = dt.timedelta(microseconds=1)
# Python's default precision, fixed here so that results do not depend on the caller's context.
_DECIMAL = Context(prec=28)
_HOUR = Decimal(_US_PER_HOUR)
_ZERO = Decimal(0)


def _us_since_midnight(moment: dt.time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _US + moment.microsecond


def _periods() -> tuple[tuple[int, int, int], ...]:
    """WORK_HOURS as (start, end, working time before start), in microseconds from midnight."""
    periods, before, last_end = [], 0, -1
    for start, end in WORK_HOURS:
        a, b = _us_since_midnight(start), _us_since_midnight(end)
        if not last_end < a < b:
            raise ValueError("WORK_HOURS must be ordered, non-empty, separate periods.")
        periods.append((a, b, before))
        before += b - a
        last_end = b
    return tuple(periods)


_PERIODS = _periods()
_WORKDAY_US = sum(b - a for a, b, _before in _PERIODS)
_DAY_START_US = _PERIODS[0][0]
_DAY_END_US = _PERIODS[-1][1]
# Working hours in one working day (6.5).
WORKDAY_HOURS = Decimal(_WORKDAY_US) / _HOUR

# The years the package knows, by the package's own rule (it raises NotImplementedError
# outside them): from the first to the last year in its table of holidays.
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class TimeUnit(models.TextChoices):
    """How a time limit is counted (工作时 / 工作日 / 自然时 / 自然日)."""

    WORKING_HOURS = "working_hours", gettext_lazy("working hours")
    WORKING_DAYS = "working_days", gettext_lazy("working days")
    CALENDAR_HOURS = "calendar_hours", gettext_lazy("calendar hours")
    CALENDAR_DAYS = "calendar_days", gettext_lazy("calendar days")


# The statutory public holidays of the national rules (全国年节及纪念日放假办法, as amended
# in 2024, in force from 2025): 13 days a year. For a year whose State Council notice is not
# known yet, these are the rest days on weekdays; the make-up working days (调休) and the
# days given in lieu of a holiday on a weekend (补假) are set by each notice and not guessed.
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory public holidays of `year` by the national rules alone: New Year (1 day),
    Spring Festival (4 days: New Year's Eve to the 3rd day of the first lunar month),
    Qingming (the day of the solar term), Labour Day (1-2 May), Dragon Boat (5th day of the
    5th lunar month), Mid-Autumn (15th day of the 8th lunar month) and National Day (1-3
    October). Lunar dates from `lunardate` (docs/calendar.md says why); years it does not
    cover (before 1900, after 2099) get the solar-calendar holidays only."""
    days = {dt.date(year, 1, 1): "元旦"}
    for day in (1, 2):
        days[dt.date(year, 5, day)] = "劳动节"
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = "国庆节"
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        dragon_boat = LunarDate(year, 5, 5).to_solar_date()
        mid_autumn = LunarDate(year, 8, 15).to_solar_date()
    except ValueError:
        return days
    for offset in range(-1, 3):
        days[new_year + dt.timedelta(days=offset)] = "春节"
    # setdefault: Mid-Autumn can fall within National Day (2028); the day keeps one name.
    days.setdefault(dragon_boat, "端午节")
    days.setdefault(mid_autumn, "中秋节")
    try:
        terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
    except (KeyError, IndexError, ValueError):
        terms = []
    for day, name in terms:
        if name == "清明":
            days[day] = "清明节"
    return days


def provisional_note(year: int) -> str:
    """What a page says of a deadline counted on the provisional calendar of `year`."""
    return _(
        "Counted provisionally on the usual working week; it will be counted again once the "
        "%(year)s holiday notice is entered."
    ) % {"year": year}


# --- The cached calendar -----------------------------------------------------------------


class _YearTable:
    """One year's working-day flags, and how many working days come before each day."""

    __slots__ = ("first", "days", "flags", "counts", "provisional")

    def __init__(self, first: int, flags: bytes, provisional: bool = False):
        self.first = first  # ordinal of 1 January
        self.days = len(flags)
        self.flags = flags  # flags[i]: day i of the year is a working day
        self.counts = list(itertools.accumulate(flags, initial=0))  # days + 1 items
        # Built from the national rules alone: no notice known for this year yet.
        self.provisional = provisional


class _Snapshot:
    """The administrators' overrides as read at one moment, and the year tables built on
    them. Replaced whole when the overrides change, so a table is never built from one
    snapshot and kept in another."""

    __slots__ = ("overrides", "years", "checked_at", "tables", "last")

    def __init__(self, overrides: dict[dt.date, bool], notice_years: frozenset[int]):
        self.overrides = overrides
        # The years whose State Council notice has been entered (HolidayNotice): known.
        self.years = notice_years
        self.checked_at = monotonic()
        self.tables: dict[int, _YearTable] = {}
        self.last: _YearTable | None = None  # the table used last: usually the next one too


_snapshot: _Snapshot | None = None


def forget_calendar(**kwargs) -> None:
    """Drop the cached calendar. Saving or deleting a CalendarDay calls this through signals;
    code that changes CalendarDay rows with QuerySet.update() or bulk_create() (which send no
    signals) calls it itself."""
    global _snapshot
    _snapshot = None


post_save.connect(forget_calendar, sender=CalendarDay, dispatch_uid="zhili-calendar-saved")
post_delete.connect(forget_calendar, sender=CalendarDay, dispatch_uid="zhili-calendar-deleted")
post_save.connect(forget_calendar, sender=HolidayNotice, dispatch_uid="zhili-notice-saved")
post_delete.connect(forget_calendar, sender=HolidayNotice, dispatch_uid="zhili-notice-deleted")


def _current() -> _Snapshot:
    global _snapshot
    snap = _snapshot
    if snap is not None and monotonic() - snap.checked_at < RECHECK_SECONDS:
        return snap
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    notice_years = frozenset(HolidayNotice.objects.values_list("year", flat=True))
    if snap is not None and overrides == snap.overrides and notice_years == snap.years:
        snap.checked_at = monotonic()
        return snap
    snap = _snapshot = _Snapshot(overrides, notice_years)
    return snap


def _build(year: int, snap: _Snapshot) -> _YearTable:
    known = year in _PACKAGE_YEARS
    provisional = not known and year not in snap.years
    # A year the package does not know: the plain week minus the statutory holidays, which
    # every notice keeps; an administrator's entries (the notice's other days off and its
    # make-up working days, or a local change) win over both. Until the year's notice is
    # recorded (HolidayNotice), the year is provisional.
    holidays = {} if known else statutory_holidays(year)
    first = dt.date(year, 1, 1).toordinal()
    flags = bytearray(dt.date(year + 1, 1, 1).toordinal() - first)
    for index in range(len(flags)):
        day = dt.date.fromordinal(first + index)
        if day in snap.overrides:
            flags[index] = snap.overrides[day]
        elif known:
            flags[index] = chinese_calendar.is_workday(day)
        else:
            flags[index] = day.weekday() < 5 and day not in holidays
    return _YearTable(first, bytes(flags), provisional)


def _table(ordinal: int) -> _YearTable:
    """The year table holding the day with this ordinal."""
    snap = _current()
    table = snap.last
    if table is not None and 0 <= ordinal - table.first < table.days:
        return table
    year = dt.date.fromordinal(ordinal).year
    table = snap.tables.get(year)
    if table is None:
        table = snap.tables[year] = _build(year, snap)
    snap.last = table
    return table


def _is_workday(ordinal: int) -> bool:
    table = _table(ordinal)
    return bool(table.flags[ordinal - table.first])


def _count_workdays(first: int, stop: int) -> int:
    """Working days with ordinals in [first, stop)."""
    total = 0
    while first < stop:
        table = _table(first)
        end = min(stop - table.first, table.days)
        total += table.counts[end] - table.counts[first - table.first]
        first = table.first + end
    return total


def _nth_workday_after(ordinal: int, n: int) -> int:
    """The ordinal of the n-th working day after the day `ordinal` (n >= 1)."""
    day = ordinal + 1
    while True:
        table = _table(day)
        index = day - table.first
        target = table.counts[index] + n
        if target <= table.counts[-1]:
            # counts[k] is the number of working days before day k, so the first k where it
            # reaches the target is the day after the one we want.
            return table.first + bisect.bisect_left(table.counts, target, index + 1) - 1
        n = target - table.counts[-1]
        day = table.first + table.days


# --- Time of day -------------------------------------------------------------------------


def _split(moment: dt.datetime) -> tuple[int, int]:
    """(Shanghai date ordinal, microseconds since Shanghai midnight) of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("The working-time calendar takes aware datetimes only.")
    days, since_midnight = divmod((moment - _EPOCH) // _ONE_US + _OFFSET_US, _US_PER_DAY)
    return _EPOCH_ORDINAL + days, since_midnight


def _join(ordinal: int, since_midnight: int) -> dt.datetime:
    day = dt.date.fromordinal(ordinal)
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + dt.timedelta(
        microseconds=since_midnight
    )


def _worked_before(since_midnight: int) -> int:
    """Working time in a working day before this time of day."""
    for start, end, before in _PERIODS:
        if since_midnight < end:
            return before + max(since_midnight - start, 0)
    return _WORKDAY_US


def _time_at(worked: int) -> int:
    """The earliest time of day by which `worked` (0 < worked <= a day's) has been worked:
    the end of a period rather than the start of the next, so 3.5 h from 8:30 is 12:00."""
    for start, end, before in _PERIODS:
        if worked <= before + end - start:
            return start + worked - before
    raise ValueError(worked)


def _hours_to_us(hours) -> int:
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(f"hours must be a number, not {type(hours).__name__}")
    if isinstance(hours, int) and hours >= 0:
        return hours * _US_PER_HOUR
    # A float is taken as written (1.1 means 1.1, not 1.100000000000000088...).
    value = Decimal(repr(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite() or value < 0:
        raise ValueError(f"hours must be a finite number >= 0, not {hours!r}")
    # Rounded up to the microsecond: a limit is never shortened.
    return int(_DECIMAL.multiply(value, _HOUR).to_integral_value(rounding=ROUND_CEILING))


def _whole_days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int | float | Decimal):
        raise TypeError(f"days must be a number, not {type(days).__name__}")
    if days != int(days) or days < 0:
        raise ValueError(f"days must be a whole number >= 0, not {days!r}")
    return int(days)


# --- The public functions ----------------------------------------------------------------


def is_workday(day: dt.date) -> bool:
    """Is this a working day? An administrator's CalendarDay wins; else the package's answer
    (weekends and public holidays are rest days, make-up days on weekends are working days).
    An aware datetime is taken as its Shanghai date. A year that neither the package nor any
    CalendarDay covers is answered on the provisional calendar (statutory_holidays)."""
    if isinstance(day, dt.datetime):
        ordinal = _split(day)[0]
    else:
        ordinal = day.toordinal()
    return _is_workday(ordinal)


def is_provisional_year(year: int) -> bool:
    """Is `year` counted on the provisional calendar (neither the package knows it nor has
    its State Council notice been entered)?"""
    return year not in _PACKAGE_YEARS and year not in _current().years


def provisional_year_between(start: dt.datetime, end: dt.datetime) -> int | None:
    """The first year from `start` to `end` (Shanghai dates, either order) that is counted
    on the provisional calendar, or None: a working-time span or deadline touching such a
    year is provisional and will be counted again once the year's notice is entered."""
    first, last = sorted((_split(start)[0], _split(end)[0]))
    for year in range(dt.date.fromordinal(first).year, dt.date.fromordinal(last).year + 1):
        if is_provisional_year(year):
            return year
    return None


def provisional_deadline_year(start: dt.datetime, due: dt.datetime, unit: str) -> int | None:
    """For a deadline `due` counted from `start` in `unit`: the provisional year it was
    counted on, or None. Natural time needs no calendar and is never provisional."""
    if TimeUnit(unit) in (TimeUnit.CALENDAR_HOURS, TimeUnit.CALENDAR_DAYS):
        return None
    return provisional_year_between(start, due)


# From this many days before the known calendar runs out, the administrator's and the centre's
# home pages warn (the State Council's notice for the next year comes out in November).
WARN_DAYS = 60


def missing_year(today: dt.date, days: int = WARN_DAYS) -> int | None:
    """The year whose notice must be entered soon: the one after calendar_known_until() when
    `today` is within `days` days of its end (or past it), else None."""
    known_until = calendar_known_until()
    if (known_until - today).days < days:
        return known_until.year + 1
    return None


def calendar_known_until() -> dt.date:
    """The last day of the last year covered without a gap: the package's years, then each
    following year whose State Council notice an administrator has entered (HolidayNotice)."""
    years = _current().years
    last = _PACKAGE_YEARS[-1]
    while last + 1 in years:
        last += 1
    return dt.date(last, 12, 31)


def add_working_hours(start: dt.datetime, hours: Decimal | float | int) -> dt.datetime:
    """The moment when `hours` of working time have passed since `start`.

    Nights, lunch, rest days and holidays are skipped; make-up working days count. A start
    outside working time counts from the next working period. A deadline that falls on the
    end of a period is that end (12:00, not 14:30). Zero hours gives the start, moved to the
    next working moment if it is outside working time.
    """
    need = _hours_to_us(hours)
    ordinal, since_midnight = _split(start)
    workday = _is_workday(ordinal)
    if need == 0:
        if workday:
            for period_start, period_end, _before in _PERIODS:
                if since_midnight <= period_end:
                    return _join(ordinal, max(since_midnight, period_start))
        return _join(_nth_workday_after(ordinal, 1), _DAY_START_US)
    left_today = _WORKDAY_US - _worked_before(since_midnight) if workday else 0
    if need <= left_today:
        return _join(ordinal, _time_at(_WORKDAY_US - left_today + need))
    # Whole working days, then what is left (more than nothing, at most a day) on the next.
    full_days, rest = divmod(need - left_today - 1, _WORKDAY_US)
    return _join(_nth_workday_after(ordinal, full_days + 1), _time_at(rest + 1))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end of the working day on which a limit of `days` working days runs out.

    As in the Civil Code (arts. 201 and 203) for periods counted in days: the day of the start
    does not count, whatever its hour; the period ends when work stops (the end of the last
    period of WORK_HOURS) on the `days`-th working day after it. So a case reported on a
    Friday afternoon with one working day is due at 17:30 on the next working day, usually
    Monday. Zero days means the same working day: by 17:30 on the start day if it is a
    working day and the start is before its close, else by 17:30 on the next working day.
    """
    n = _whole_days(days)
    ordinal, since_midnight = _split(start)
    if n == 0:
        if not (since_midnight < _DAY_END_US and _is_workday(ordinal)):
            ordinal = _nth_workday_after(ordinal, 1)
        return _join(ordinal, _DAY_END_US)
    return _join(_nth_workday_after(ordinal, n), _DAY_END_US)


def add_calendar_hours(start: dt.datetime, hours: Decimal | float | int) -> dt.datetime:
    """`hours` of natural time after `start`, nights and holidays included (urgent cases)."""
    ordinal, since_midnight = _split(start)
    return _join(ordinal, since_midnight) + dt.timedelta(microseconds=_hours_to_us(hours))


def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th natural day after the start day (Civil Code art. 201: the
    start day does not count; the period ends at 24:00). 24:00 is given as 00:00 of the next
    day: a case is overdue from the first moment after it."""
    ordinal, _since_midnight = _split(start)
    return _join(ordinal + _whole_days(days) + 1, 0)


def _working_us_between(start: dt.datetime, end: dt.datetime) -> int:
    if end <= start:
        return 0
    first, first_time = _split(start)
    last, last_time = _split(end)
    table = _table(first)
    i, j = first - table.first, last - table.first
    if j < table.days:
        # Within one year, the common case: everything from one table.
        if i == j:
            if not table.flags[i]:
                return 0
            return _worked_before(last_time) - _worked_before(first_time)
        worked = (table.counts[j] - table.counts[i + 1]) * _WORKDAY_US
        first_is_workday, last_is_workday = table.flags[i], table.flags[j]
    else:
        worked = _count_workdays(first + 1, last) * _WORKDAY_US
        first_is_workday, last_is_workday = table.flags[i], _is_workday(last)
    if first_is_workday:
        worked += _WORKDAY_US - _worked_before(first_time)
    if last_is_workday:
        worked += _worked_before(last_time)
    return worked


def working_hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Working hours from `start` to `end` (0 when end <= start): the inverse of
    add_working_hours. Exact when the span is a whole number of 9 µs (so for any whole
    number of 36 seconds), otherwise to 28 significant digits. To add many spans up (mean
    times in a bulletin), add working_time_between and divide once.
    """
    return _DECIMAL.divide(Decimal(_working_us_between(start, end)), _HOUR)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from `start` to `end` (zero when end <= start), exact to the microsecond,
    so that sums of spans add up exactly."""
    return dt.timedelta(microseconds=_working_us_between(start, end))


def deadline(start: dt.datetime, amount: Decimal | float | int, unit: str) -> dt.datetime:
    """When a time limit of `amount` in `unit` (a TimeUnit) that starts at `start` runs out.
    In a year no notice is known for, working time is counted on the provisional calendar
    (provisional_deadline_year tells)."""
    unit = TimeUnit(unit)
    if unit == TimeUnit.WORKING_HOURS:
        return add_working_hours(start, amount)
    if unit == TimeUnit.WORKING_DAYS:
        return add_working_days(start, amount)
    if unit == TimeUnit.CALENDAR_HOURS:
        return add_calendar_hours(start, amount)
    return add_calendar_days(start, amount)
