"""Every figure of March 2026's bulletin, computed by hand from the story in conftest.py.

Read as of 10 April 2026, 12:00. 城管 (cg) has tasks a1–a9, 公安 (ga) b1, b4, b6, b7.
"""

from decimal import Decimal

import pytest

from zhili.bulletins.metrics import department_figures
from zhili.bulletins.models import BulletinSettings
from zhili.bulletins.tests.conftest import MARCH, NOW
from zhili.core.errors import InvalidInput


def figures(**extra):
    return department_figures(**MARCH, now=NOW, **extra)


COUNT_NAMES = (
    "dispatched taken taken_on_time responded returned extended due handled handled_on_time "
    "handled_late overdue_unhandled reworked due_to_close closed closed_on_time rated "
    "satisfied basically_satisfied dissatisfied"
).split()


def counts(f) -> dict:
    return {name: getattr(f, name) for name in COUNT_NAMES}


def test_every_count_of_march_by_hand(march):
    b = figures(minimum=3, list_size=1)
    cg, ga = b.department("cg"), b.department("ga")
    assert counts(cg) == {
        # Dispatched in March: a1 a2 a3 a4 a5 a6 a9 (a7 was in February; a8 was cancelled
        # before it was handled; a9, cancelled after its handling, counts).
        "dispatched": 7,
        "taken": 6,  # all but a4, returned
        "taken_on_time": 5,  # a1 a3 a5 a6 a9; a2 was taken the next morning
        "responded": 6,  # those 5, and a4 returned within the hour
        "returned": 1,  # a4
        "extended": 1,  # a6
        # Due in March: on time a1 (3 Mar), a5 (17 Mar), a7 (2 Mar), a9 (24 Mar); late a2
        # (deadline 6 Mar); overdue a3 (deadline 12 Mar). a6 was handled in April, in time.
        "due": 6,
        "handled": 5,
        "handled_on_time": 4,
        "handled_late": 1,
        "overdue_unhandled": 1,
        "reworked": 2,  # a5 sent back by the check; a9's case reopened by its reporter
        "due_to_close": 5,  # the lead tasks among them: a1 a2 a3 a7 a9 (a5 is a co-department's)
        "closed": 3,  # cases 1, 2, 7; case 3 is still open, case 13 was reopened
        "closed_on_time": 2,  # cases 1 and 7; case 2 was handled late
        "rated": 2,  # case 1 满意 (5 Mar), case 2 基本满意 (11 Mar); case 7 was rated in April
        "satisfied": 1,
        "basically_satisfied": 1,
        "dissatisfied": 0,
    }
    assert counts(ga) == {
        "dispatched": 4,  # b1 b4 b6 b7
        "taken": 3,  # b1 b4 b7
        "taken_on_time": 2,  # b1 b7; b4 was taken the next morning
        "responded": 2,
        "returned": 0,
        "extended": 0,
        "due": 3,  # on time b1 (17 Mar), b4 (12 Mar); overdue b6, never taken (20 Mar);
        "handled": 2,  # b7 is due only on 15 April
        "handled_on_time": 2,
        "handled_late": 0,
        "overdue_unhandled": 1,
        "reworked": 1,  # b1
        "due_to_close": 3,  # b1 b4 b6, all leads
        "closed": 2,  # cases 5 and 4
        "closed_on_time": 1,  # case 5; case 4 closed on 13 Mar after its close deadline (12)
        "rated": 2,  # case 4 满意 (the returned a4 is not its lead), case 5 不满意
        "satisfied": 1,
        "basically_satisfied": 0,
        "dissatisfied": 1,
    }
    # Mean working hours. To take, 城管: a1 1 + a2 6.5 (9:00 to 9:00 next day) + a3 2 + a5 0.5
    # + a6 1 + a9 1 = 12 h over 6 = 2 h; 公安: b1 2 + b4 4.5 (11:00 to 9:00 next day) + b7 1
    # = 7.5 h over 3 = 2.5 h.
    assert (cg.mean_take_hours, ga.mean_take_hours) == (Decimal("2.00"), Decimal("2.50"))
    # To handle, 城管: a1 6.5 + a2 26 (Tue 9:00 to Mon 9:00: 6 + 3 × 6.5 + 0.5) + a5 6.5
    # + a7 32.5 (Tue 24 Feb 10:00 to Mon 2 Mar 10:00: 5 + Wed–Fri 19.5 + the make-up
    # Saturday 6.5 + 1.5) + a9 6.5 = 78 h over 5 = 15.6 h;
    # 公安: b1 6.5 + b4 13 = 19.5 h over 2 = 9.75 h.
    assert (cg.mean_handle_hours, ga.mean_handle_hours) == (Decimal("15.60"), Decimal("9.75"))


def test_every_rate_rank_score_and_list_of_march_by_hand(march):
    b = figures(minimum=3, list_size=1)
    cg, ga = b.department("cg"), b.department("ga")

    def shown(f):
        return {k: (r.value, r.rank) for k, r in f.rates.items()}

    # With a minimum of 3, both are ranked on every rate but the two over 2 ratings.
    # Equal rates share a rank.
    assert shown(cg) == {
        "timely_take": (Decimal("0.7143"), 1),  # 5/7
        "response": (Decimal("0.8571"), 1),  # 6/7
        "extension": (Decimal("0.1429"), 2),  # 1/7, lower is better
        "on_time_handling": (Decimal("0.6667"), 1),  # 4/6, equal to 公安's 2/3
        "rework": (Decimal("0.3333"), 1),  # 2/6, lower is better, equal to 公安's 1/3
        "closure": (Decimal("0.6000"), 2),  # 3/5
        "on_time_closure": (Decimal("0.4000"), 1),  # 2/5
        "resolution": (Decimal("1.0000"), None),  # 2/2, too few to rank
        "satisfaction": (Decimal("0.9500"), None),  # (1 + 0.9 × 1) / 2
    }
    assert shown(ga) == {
        "timely_take": (Decimal("0.5000"), 2),  # 2/4
        "response": (Decimal("0.5000"), 2),  # 2/4
        "extension": (Decimal("0.0000"), 1),  # 0/4
        "on_time_handling": (Decimal("0.6667"), 1),  # 2/3
        "rework": (Decimal("0.3333"), 1),  # 1/3
        "closure": (Decimal("0.6667"), 1),  # 2/3
        "on_time_closure": (Decimal("0.3333"), 2),  # 1/3
        "resolution": (Decimal("0.5000"), None),  # 1/2
        "satisfaction": (Decimal("0.5000"), None),  # (1 + 0) / 2
    }
    # Score over the ranked rates with the default weights 10 5 5 20 10 10 10 (sum 70):
    # 城管 10·5/7 + 5·6/7 + 5·6/7 + 20·2/3 + 10·2/3 + 10·3/5 + 10·2/5 = 110/7 + 20 + 10
    #      = 320/7 → 100 × (320/7) / 70 = 65.306… → 65.31, C
    # 公安 10·1/2 + 5·1/2 + 5·1 + 20·2/3 + 10·2/3 + 10·2/3 + 10·1/3 = 12.5 + 30 = 42.5
    #      → 60.714… → 60.71, C
    assert (cg.score, cg.grade, cg.rank) == (Decimal("65.31"), "C", 1)
    assert (ga.score, ga.grade, ga.rank) == (Decimal("60.71"), "C", 2)
    assert [f.department.code for f in b.departments] == ["cg", "ga"]
    assert [f.department.code for f in b.red_list] == ["cg"]
    # The black list holds only scores below 60 (grades D, E): 公安's 60.71 is a C, so the
    # list is empty though 公安 is last. Were the floor 61, 公安 would be on it.
    assert b.black_list == []
    assert [f.department.code for f in figures(minimum=3, black_list_below=61).black_list] == ["ga"]
    # Both scores rest on 7 weighted rates (all but the two over 2 ratings).
    assert (cg.rates_used, ga.rates_used, cg.too_few_rates) == (7, 7, False)
    # Reported in March: cases 1–13 but the February case 7 = 12; accepted: all but the
    # rejected case 9 = 11; closed: 1, 2, 4, 5 (13 was reopened).
    assert vars(b.totals) == {
        "reported": 12,
        "accepted": 11,
        "rejected": 1,
        "voided": 1,
        "on_hold": 1,
        "closed": 4,
        "reassigned": 0,  # none reassigned (改派) in March
    }


def test_with_the_default_minimum_of_five_only_the_busier_counts_are_ranked(march):
    b = figures()
    cg, ga = b.department("cg"), b.department("ga")
    # 城管 has 7 dispatched, 6 due, 5 due to close, 2 rated: ranked on all but the ratings'.
    assert [k for k, r in cg.rates.items() if r.rank] == [
        "timely_take",
        "response",
        "extension",
        "on_time_handling",
        "rework",
        "closure",
        "on_time_closure",
    ]
    assert (cg.score, cg.grade, cg.rank) == (Decimal("65.31"), "C", 1)  # as with 3
    # 公安 reaches 5 in nothing: shown, with its rates, and ranked on none.
    assert (ga.score, ga.grade, ga.rank) == (None, "", None)
    assert ga.rates["on_time_handling"].value == Decimal("0.6667")
    assert [f.department.code for f in b.departments] == ["cg", "ga"]
    # The black list leaves out a department already on the red list.
    assert ([f.department.code for f in b.red_list], b.black_list) == (["cg"], [])


def test_weights_from_the_settings_row_and_from_the_caller(march):
    # Only the closure rate weighs: 城管 3/5 = 60.00 (C), 公安 2/3 = 66.67 (C).
    only = {"closure": 1}
    b = figures(minimum=3, weights=only)
    assert [(f.department.code, f.score) for f in b.departments] == [
        ("ga", Decimal("66.67")),
        ("cg", Decimal("60.00")),
    ]
    row = {f"weight_{k}": 0 for k in b.weights}
    BulletinSettings(**row | {"weight_satisfaction": 1}, minimum=2, basic_weight=0).save()
    # From the row: satisfaction alone, 基本满意 worth nothing, a minimum of 2:
    # 城管 (1 + 0) / 2 = 50.00, D; 公安 1/2 = 50.00, D; equal, so both rank 1.
    b = figures()
    assert [(f.department.code, f.score, f.grade, f.rank) for f in b.departments] == [
        ("cg", Decimal("50.00"), "D", 1),
        ("ga", Decimal("50.00"), "D", 1),
    ]


def test_a_score_resting_on_too_few_rates_is_shown_but_not_ranked(march):
    # Both rest on 7 rates; asking for 8, neither is ranked: scores and grades shown, best
    # first, and no list names them.
    b = figures(minimum=3, minimum_rates=8)
    assert [
        (f.department.code, f.score, f.grade, f.rank, f.too_few_rates) for f in b.departments
    ] == [
        ("cg", Decimal("65.31"), "C", None, True),
        ("ga", Decimal("60.71"), "C", None, True),
    ]
    assert (b.red_list, b.black_list) == ([], [])


def test_a_deadline_later_in_the_period_than_now_is_not_overdue_yet(march):
    # As of 12 March 12:00: a3's deadline (12 Mar 17:30) has not passed; b6's (20 Mar) neither.
    import datetime as dt

    from zhili.core.workcalendar import SHANGHAI

    b = department_figures(**MARCH, now=dt.datetime(2026, 3, 12, 12, 0, tzinfo=SHANGHAI), minimum=3)
    assert b.department("cg").overdue_unhandled == 0
    assert b.department("ga").overdue_unhandled == 0


def test_a_place_narrows_the_bulletin_to_its_cases(march, city):
    b = figures(place=city.s2)  # every case of the story lies in 泊阳街道 (s1)
    assert all(f.dispatched == f.due == f.rated == 0 for f in b.departments)
    assert b.totals.reported == 0
    assert figures(place=city.g1).department("cg").dispatched == 7


def test_a_period_that_ends_before_it_starts_is_refused(db):
    import datetime as dt

    with pytest.raises(InvalidInput):
        department_figures(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1))


def test_the_bulletin_is_a_handful_of_queries(march, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        figures(minimum=3)
