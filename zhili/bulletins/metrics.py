"""The bulletin's figures (定期通报), counted exactly as docs/metrics.md defines them.

The counting is done by the database: one grouped aggregate with conditional counts over the
period's tasks (which carry the facts of their cases that the figures need: CaseTask.case_*),
never a walk over every task. Only the mean times need Python, because working time comes
from the official calendar: for them one grouped read of times of day per mean.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, FloatField, Func, Q, Sum, Value
from django.db.models.functions import Coalesce, Floor, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.bulletins.rates import (
    RATE_KEYS,
    RATES,
    grade_for,
)
from zhili.cases.models import Case, CaseStatus, CaseTask, Rating, TaskRole, TaskStatus
from zhili.core.errors import InvalidInput
from zhili.core.workcalendar import (
    SHANGHAI,
    WORK_HOURS,
    is_workday,
    provisional_note,
    provisional_year_between,
    working_time_between,
)
from zhili.orgs.models import Department
from zhili.orgs.selectors import departments_serving
from zhili.places.models import Place

HANDLED = (TaskStatus.HANDLED, TaskStatus.VERIFIED)
OPEN = (TaskStatus.DISPATCHED, TaskStatus.TAKEN)
# Tasks that belong to their department: neither returned nor withdrawn.
KEPT = (*OPEN, *HANDLED)

COUNTS = (
    "dispatched",
    "taken",
    "taken_on_time",
    "responded",
    "returned",
    "extended",
    "reassigned",
    "due",
    "handled",
    "handled_on_time",
    "handled_late",
    "overdue_unhandled",
    "reworked",
    "due_to_close",
    "closed",
    "closed_on_time",
    "rated",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
)
_PERCENT = Decimal("0.0001")
_CENT = Decimal("0.01")
_US = 1_000_000
_US_PER_HOUR = 3600 * _US
_ONE_US = dt.timedelta(microseconds=1)
_EPOCH_DATE = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class RateFigure:
    """One rate of one department: numerator / denominator, and its rank if ranked."""

    key: str
    numerator: Fraction
    denominator: int
    ranked: bool  # the denominator reaches the minimum
    rank: int | None = None

    @property
    def exact(self) -> Fraction | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def value(self) -> Decimal | None:
        """The rate as a fraction of 1, to 4 places (a percentage to 0.01 %)."""
        exact = self.exact
        if exact is None:
            return None
        return _decimal(exact).quantize(_PERCENT, rounding=ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        value = self.value
        return None if value is None else (value * 100).quantize(_CENT)

    @property
    def label(self) -> str:
        return str(RATES[self.key][0])


@dataclass
class DepartmentFigures:
    department: Department | None
    dispatched: int = 0
    taken: int = 0
    taken_on_time: int = 0
    responded: int = 0
    returned: int = 0
    extended: int = 0
    reassigned: int = 0
    due: int = 0
    handled: int = 0
    handled_on_time: int = 0
    handled_late: int = 0
    overdue_unhandled: int = 0
    reworked: int = 0
    due_to_close: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    mean_take_hours: Decimal | None = None
    mean_handle_hours: Decimal | None = None
    rates: dict[str, RateFigure] = field(default_factory=dict)
    score: Decimal | None = None
    exact_score: Fraction | None = None  # the score before rounding (ranking uses `score`)
    grade: str = ""
    rank: int | None = None
    # How many weighted rates the score rests on, and whether that is too few to be ranked
    # (不参与排名: the score is shown, with no composite rank and on neither list).
    rates_used: int = 0
    too_few_rates: bool = False

    @property
    def resolved(self) -> int:
        return self.satisfied + self.basically_satisfied


@dataclass(frozen=True)
class CaseTotals:
    """The place's cases reported in the period, as they stand now."""

    reported: int = 0
    accepted: int = 0
    rejected: int = 0
    voided: int = 0
    on_hold: int = 0
    closed: int = 0
    reassigned: int = 0  # of those, reassigned (改派) at least once


@dataclass
class Bulletin:
    start: dt.date
    end: dt.date
    place: Place | None
    made_at: dt.datetime
    weights: dict[str, Decimal]
    basic_weight: Decimal
    minimum: int
    list_size: int
    minimum_rates: int  # fewest weighted rates a ranked score rests on (or all that weigh)
    black_list_below: Decimal  # the black list holds only scores below this
    departments: list[DepartmentFigures]  # ranked first, best first; then the rest by code
    totals: CaseTotals
    red_list: list[DepartmentFigures]
    black_list: list[DepartmentFigures]  # worst first
    # The first year of the period whose holiday notice is not known yet (its working time
    # counted on the provisional calendar), or None.
    provisional_year: int | None = None

    @property
    def provisional_note(self) -> str:
        return provisional_note(self.provisional_year) if self.provisional_year else ""

    def department(self, code: str) -> DepartmentFigures:
        return next(d for d in self.departments if d.department.code == code)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end + 1 day 00:00) in Asia/Shanghai."""
    if end < start:
        raise InvalidInput(fields={"to": [_("The period ends before it starts.")]})
    lo = dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return lo, hi


def _within(name: str, lo: dt.datetime, hi: dt.datetime) -> Q:
    return Q(**{f"{name}__gte": lo, f"{name}__lt": hi})


def _settings(weights, minimum, list_size, basic_weight, minimum_rates, black_list_below):
    from zhili.bulletins.models import current_settings

    row = current_settings()
    chosen = row.weights() if weights is None else {k: Decimal(0) for k in RATE_KEYS}
    for key, weight in (weights or {}).items():
        if key not in RATES or Decimal(weight) < 0:
            raise InvalidInput(
                fields={"weights": [_("Unknown or negative weight: %(key)s") % {"key": key}]}
            )
        chosen[key] = Decimal(weight)
    return (
        chosen,
        row.minimum if minimum is None else minimum,
        row.list_size if list_size is None else list_size,
        row.basic_weight if basic_weight is None else Decimal(basic_weight),
        row.minimum_rates if minimum_rates is None else minimum_rates,
        row.black_list_below if black_list_below is None else Decimal(black_list_below),
    )


def department_figures(
    *,
    start: dt.date,
    end: dt.date,
    place: Place | None = None,
    weights: dict[str, Decimal] | None = None,
    minimum: int | None = None,
    list_size: int | None = None,
    basic_weight: Decimal | None = None,
    minimum_rates: int | None = None,
    black_list_below: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Bulletin:
    """The bulletin of the period `start`..`end` (dates, both included) over the subtree of
    `place` (None: everywhere), per department, as docs/metrics.md defines it.

    `weights` (rate key → weight; rates left out weigh 0), `minimum`, `list_size`,
    `basic_weight`, `minimum_rates` and `black_list_below` default to the BulletinSettings
    row, else to DEFAULT_WEIGHTS, 5, 3, 0.9, 5 and 60.
    `now` is the moment the tasks are read as of (overdue is judged at it). Reads only: the
    caller checks that the reader may see the place. Raises InvalidInput for a bad period.
    """
    weights, minimum, list_size, basic_weight, minimum_rates, black_list_below = _settings(
        weights, minimum, list_size, basic_weight, minimum_rates, black_list_below
    )
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    # The root of the only place tree is everywhere: no filter (and no join) for it.
    everywhere = place is None or (
        place.parent_id is None
        and not Place.objects.filter(parent__isnull=True).exclude(pk=place.pk).exists()
    )
    in_place = Q() if everywhere else Q(case_place_path__startswith=place.path)
    # A cancelled order counts only if it had been handled: reopening a closed case cancels
    # the orders of the round that did not fix it; an order withdrawn before that never counts.
    tasks = CaseTask.objects.filter(in_place).exclude(
        status=TaskStatus.CANCELLED, handled_at__isnull=True
    )

    departments = _departments(place)
    figures = {pk: DepartmentFigures(department=d) for pk, d in departments.items()}

    def row(department_id: int) -> DepartmentFigures:
        # A department with tasks here but no longer serving it (or inactive) is shown too;
        # its Department is fetched with the others at the end.
        if department_id not in figures:
            figures[department_id] = DepartmentFigures(department=None)
        return figures[department_id]

    # Every count in one pass over the period's tasks: the dispatched cohort, the due cohort,
    # closure and ratings (from the facts of its case that each task carries).
    dispatched = _within("dispatched_at", lo, hi)
    handled = Q(status__in=(*HANDLED, TaskStatus.CANCELLED))
    on_time = handled & Q(handled_at__lte=F("deadline")) & _within("handled_at", lo, hi)
    late = handled & Q(handled_at__gt=F("deadline")) & _within("deadline", lo, hi)
    overdue = Q(status__in=OPEN) & _within("deadline", lo, hi) & Q(deadline__lt=now)
    due = on_time | late | overdue
    lead = Q(role=TaskRole.LEAD)
    # Closure and on-time closure: the lead's due tasks whose case is closed (docs/metrics.md).
    closed = lead & Q(case_closed_at__isnull=False)
    closed_in_time = Q(case_close_deadline__isnull=True) | Q(
        case_closed_at__lte=F("case_close_deadline")
    )
    # Ratings given in the period, to the case's live lead task.
    rated = lead & Q(status__in=KEPT) & _within("case_rated_at", lo, hi)
    take_in_time = Q(taken_at__lte=F("take_deadline"))
    counts = (
        tasks.alias(deadline=Coalesce("handle_deadline", "take_deadline"))
        .filter(
            dispatched
            | _within("handled_at", lo, hi)
            | _within("deadline", lo, hi)
            | _within("case_rated_at", lo, hi)
        )
        .values("department_id")
        .annotate(
            dispatched=Count("pk", filter=dispatched),
            taken=Count("pk", filter=dispatched & Q(taken_at__isnull=False)),
            taken_on_time=Count("pk", filter=dispatched & take_in_time),
            responded=Count(
                "pk",
                filter=dispatched & (take_in_time | Q(returned_at__lte=F("take_deadline"))),
            ),
            returned=Count("pk", filter=dispatched & Q(status=TaskStatus.RETURNED)),
            extended=Count("pk", filter=dispatched & Q(extension_count__gt=0)),
            handled_on_time=Count("pk", filter=on_time),
            handled_late=Count("pk", filter=late),
            overdue_unhandled=Count("pk", filter=overdue),
            reworked=Count(
                "pk", filter=due & (Q(rework_count__gt=0) | Q(status=TaskStatus.CANCELLED))
            ),
            due_to_close=Count("pk", filter=due & lead),
            closed=Count("pk", filter=due & closed),
            closed_on_time=Count("pk", filter=on_time & closed & closed_in_time),
            rated=Count("pk", filter=rated & ~Q(case_rating="")),
            satisfied=Count("pk", filter=rated & Q(case_rating=Rating.SATISFIED)),
            basically_satisfied=Count("pk", filter=rated & Q(case_rating=Rating.BASICALLY)),
            dissatisfied=Count("pk", filter=rated & Q(case_rating=Rating.DISSATISFIED)),
        )
        .order_by()
    )
    for values in counts:
        target = row(values.pop("department_id"))
        for name, value in values.items():
            setattr(target, name, value)
        target.handled = target.handled_on_time + target.handled_late
        target.due = target.handled + target.overdue_unhandled

    # Orders taken back and given to others (改派), withdrawn unhandled ones included: they
    # count in nothing else, as any order withdrawn before its handling.
    reassigned = (
        CaseTask.objects.filter(in_place, dispatched, reassigned_at__isnull=False)
        .values("department_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for values in reassigned:
        row(values["department_id"]).reassigned = values["n"]
    _mean_times(tasks, row, dispatched, on_time | late)
    missing = [pk for pk, f in figures.items() if f.department is None]
    for department in Department.objects.filter(pk__in=missing):
        figures[department.pk].department = department
    ranked = _rank(list(figures.values()), weights, minimum, basic_weight, minimum_rates)
    red, black = _lists(ranked, list_size, black_list_below)
    # Not ranked: scores resting on too few rates first (best first, marked), then no score.
    rest = sorted(
        (f for f in figures.values() if f.rank is None),
        key=lambda f: (f.score is None, -(f.score or 0), f.department.code),
    )
    return Bulletin(
        start=start,
        end=end,
        place=place,
        made_at=now,
        weights=weights,
        basic_weight=basic_weight,
        minimum=minimum,
        list_size=list_size,
        minimum_rates=minimum_rates,
        black_list_below=black_list_below,
        departments=ranked + rest,
        totals=_case_totals(None if everywhere else place, lo, hi),
        red_list=red,
        black_list=black,
        # The period's tasks are judged against deadlines up to `now` (a December bulletin
        # drawn in January reads deadlines of the new year): either may be provisional.
        provisional_year=provisional_year_between(lo, max(hi, now) - dt.timedelta(microseconds=1)),
    )


def _departments(place: Place | None) -> dict[int, Department]:
    """The active departments serving the place (or any of it): shown even with no tasks."""
    serving = departments_serving(place.path if place else None, or_within=True)
    return {d.pk: d for d in serving.select_related("jurisdiction")}


class _LocalSeconds(Func):
    """Seconds since 1970-01-01 00:00 Shanghai wall-clock time (China has kept UTC+8 without
    daylight saving since 1991, as zhili.core.workcalendar relies on too): one arithmetic
    step per row, where time-zone conversions and three extractions cost far more."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            # date_part gives a double at once; EXTRACT's numeric costs twice as much.
            template="(date_part('epoch', %(expressions)s) + 28800)",
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps UTC text in SQLite; julianday reads it.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0 + 28800)",
        )


_DAY_SECONDS = 86400


def _local_day(name: str):
    """SQL: the Shanghai day of the datetime column `name`, as days since 1970-01-01."""
    return Floor(_LocalSeconds(name) / _DAY_SECONDS)


def _worked_before(name: str):
    """SQL: the working seconds of a working day before the Shanghai time of day of the
    datetime column `name` (each period of WORK_HOURS, clamped to the part before it)."""

    def seconds(moment: dt.time) -> int:
        return moment.hour * 3600 + moment.minute * 60 + moment.second

    local = _LocalSeconds(name) - _local_day(name) * _DAY_SECONDS
    parts = [
        Least(Greatest(local - seconds(a), Value(0.0)), Value(float(seconds(b) - seconds(a))))
        for a, b in WORK_HOURS
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _calendar_days(origin: dt.datetime):
    """day(d) → (working µs from `origin` to the start of d, is d a working day), cached."""
    days: dict[dt.date, tuple[int, bool]] = {}

    def day(d: dt.date) -> tuple[int, bool]:
        if d not in days:
            start = dt.datetime.combine(d, dt.time(), tzinfo=SHANGHAI)
            days[d] = (working_time_between(origin, start) // _ONE_US, is_workday(d))
        return days[d]

    return day


def _mean_times(tasks, row, dispatched: Q, handled_due: Q) -> None:
    """Mean working hours to take (dispatched cohort) and to handle (handled due tasks).

    Working time from a to b is W(b) - W(a), where W(t) is the working time from a fixed day
    to t: the working days before t's day (from the official calendar, once per distinct
    day) plus, on a working day, the working time before t's time of day. So the database
    sums the times of day per (department, start day, end day), and Python adds the days:
    a few hundred rows, however many tasks. Spans whose end precedes their start count 0."""
    spans = (
        ("take", tasks.filter(dispatched), "dispatched_at", "taken_at"),
        (
            "handle",
            tasks.alias(deadline=Coalesce("handle_deadline", "take_deadline")).filter(handled_due),
            "taken_at",
            "handled_at",
        ),
    )
    for name, queryset, begin, finish in spans:
        forward = Q(**{f"{finish}__gte": F(begin)})
        groups = list(
            queryset.filter(**{f"{begin}__isnull": False, f"{finish}__isnull": False})
            .values(
                "department_id",
                day0=_local_day(begin),
                day1=_local_day(finish),
            )
            .annotate(
                n=Count("pk"),
                forward=Count("pk", filter=forward),
                before0=Sum(_worked_before(begin), filter=forward),
                before1=Sum(_worked_before(finish), filter=forward),
            )
            .order_by()
        )
        if not groups:
            continue
        for g in groups:
            g["day0"], g["day1"] = (
                _EPOCH_DATE + dt.timedelta(days=int(g["day0"])),
                (_EPOCH_DATE + dt.timedelta(days=int(g["day1"]))),
            )
        first = min(g["day0"] for g in groups)
        origin = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
        day = _calendar_days(origin)

        totals: dict[int, int] = defaultdict(int)
        numbers: dict[int, int] = defaultdict(int)
        for g in groups:
            numbers[g["department_id"]] += g["n"]
            if not g["forward"]:
                continue
            (cum0, work0), (cum1, work1) = day(g["day0"]), day(g["day1"])
            seconds = (g["before1"] if work1 else 0) - (g["before0"] if work0 else 0)
            totals[g["department_id"]] += g["forward"] * (cum1 - cum0) + round(seconds * _US)
        for department_id, number in numbers.items():
            mean = Decimal(totals[department_id]) / Decimal(number * _US_PER_HOUR)
            setattr(
                row(department_id),
                f"mean_{name}_hours",
                mean.quantize(_CENT, rounding=ROUND_HALF_UP),
            )


def _numerator(f: DepartmentFigures, name: str, basic_weight: Decimal) -> Fraction:
    """A rate's numerator: a count of `f` (RATES names it), or the satisfaction points."""
    if name == "satisfaction_points":
        return f.satisfied + Fraction(basic_weight) * f.basically_satisfied
    return Fraction(getattr(f, name))


def _competition_ranks(items: list, key) -> dict[int, int]:
    """Ranks 1, 2, 2, 4 … by `key` (smaller first), keyed by id(item)."""
    ranks, previous, rank = {}, object(), 0
    for position, item in enumerate(items, start=1):
        value = key(item)
        if value != previous:
            rank, previous = position, value
        ranks[id(item)] = rank
    return ranks


def _lists(
    ranked: list[DepartmentFigures], list_size: int, black_list_below: Decimal
) -> tuple[list[DepartmentFigures], list[DepartmentFigures]]:
    """The red list: the departments ranked within the first `list_size` (all of a tie at
    the cut), none below `black_list_below`. The black list, worst first: of the departments
    scoring below `black_list_below`, those within the last `list_size` ranks (all of a tie
    at the cut). So equal scores are on the same list, and a department is named on the
    black list for its score, not only for being last."""
    red = [f for f in ranked if f.rank <= list_size and f.score >= black_list_below]
    below = [f for f in reversed(ranked) if f.score < black_list_below and f not in red]
    if len(below) > list_size:
        cut = below[list_size - 1].score
        below = [f for f in below if f.score <= cut]
    return red, below


def _rank(
    figures: list[DepartmentFigures],
    weights: dict[str, Decimal],
    minimum: int,
    basic_weight: Decimal,
    minimum_rates: int,
) -> list[DepartmentFigures]:
    """Fill in every department's rates, ranks, score and grade; return the ranked ones,
    best first. The composite ranking uses the score as shown (rounded to 0.01), so that
    departments shown with equal scores share a rank; a score resting on fewer than
    `minimum_rates` weighted rates (or all of them, when fewer weigh) is not ranked."""
    by_code = sorted(figures, key=lambda f: f.department.code)
    for f in by_code:
        f.rates = {
            key: RateFigure(
                key=key,
                numerator=_numerator(f, numerator, basic_weight),
                denominator=getattr(f, denominator),
                ranked=getattr(f, denominator) >= minimum and getattr(f, denominator) > 0,
            )
            for key, (_label, numerator, denominator, _lower) in RATES.items()
        }
    for key, (_label, _n, _d, lower_is_better) in RATES.items():
        eligible = [f for f in by_code if f.rates[key].ranked]

        def order(f, key=key, lower_is_better=lower_is_better):
            return f.rates[key].exact if lower_is_better else -f.rates[key].exact

        eligible.sort(key=order)  # stable: equal values stay in code order
        ranks = _competition_ranks(eligible, order)
        for f in eligible:
            old = f.rates[key]
            f.rates[key] = RateFigure(old.key, old.numerator, old.denominator, True, ranks[id(f)])
    weighted = sum(1 for key in RATES if weights.get(key, 0) > 0)
    needed = min(minimum_rates, weighted)
    for f in by_code:
        total_weight, points = Fraction(0), Fraction(0)
        for key, (_label, _n, _d, lower_is_better) in RATES.items():
            rate, weight = f.rates[key], Fraction(weights.get(key, 0))
            if rate.ranked and weight > 0:
                total_weight += weight
                points += weight * ((1 - rate.exact) if lower_is_better else rate.exact)
                f.rates_used += 1
        if total_weight:
            score = _decimal(100 * points / total_weight)
            f.score = score.quantize(_CENT, rounding=ROUND_HALF_UP)
            f.grade = grade_for(f.score)
            f.exact_score = points / total_weight
            f.too_few_rates = f.rates_used < needed
    scored = sorted(
        (f for f in by_code if f.score is not None and not f.too_few_rates),
        key=lambda f: -f.score,
    )
    ranks = _competition_ranks(scored, lambda f: -f.score)
    for f in scored:
        f.rank = ranks[id(f)]
    return scored


def _case_totals(place: Place | None, lo: dt.datetime, hi: dt.datetime) -> CaseTotals:
    cases = Case.objects.filter(_within("reported_at", lo, hi))
    if place is not None:
        cases = cases.filter(place_path__startswith=place.path)
    values = cases.aggregate(
        reported=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        rejected=Count("pk", filter=Q(status=CaseStatus.REJECTED)),
        voided=Count("pk", filter=Q(status=CaseStatus.VOIDED)),
        on_hold=Count("pk", filter=Q(status=CaseStatus.ON_HOLD)),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        reassigned=Count("pk", filter=Q(reassign_count__gt=0)),
    )
    return CaseTotals(**values)
