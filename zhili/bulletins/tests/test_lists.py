"""The composite ranking and the red and black lists, on figures made up by hand (no
database): equal scores are treated alike, the black list is below a stated score, the
ranking uses the score as shown, and a score resting on too few rates is not ranked."""

from decimal import Decimal

from zhili.bulletins.metrics import DepartmentFigures, _lists, _rank
from zhili.orgs.models import Department

ONLY_CLOSURE = {"closure": Decimal(1)}


def closure(code: str, closed: int, due_to_close: int = 5) -> DepartmentFigures:
    return DepartmentFigures(
        department=Department(code=code, name=code),
        due_to_close=due_to_close,
        closed=closed,
    )


def ranked(figures, weights=ONLY_CLOSURE, minimum_rates=5):
    return _rank(figures, weights, 1, Decimal("0.9"), minimum_rates)


def codes(figures):
    return [f.department.code for f in figures]


def test_ties_at_the_cut_are_all_in_and_only_low_scores_are_black():
    # Closure 5/5, 5/5, 3/5, 1/5, 1/5: scores 100, 100, 60, 20, 20; ranks 1, 1, 3, 4, 4.
    scored = ranked(
        [closure("a", 5), closure("b", 5), closure("c", 3), closure("d", 1), closure("e", 1)]
    )
    assert [(f.department.code, f.score, f.grade, f.rank) for f in scored] == [
        ("a", Decimal("100.00"), "A", 1),
        ("b", Decimal("100.00"), "A", 1),
        ("c", Decimal("60.00"), "C", 3),
        ("d", Decimal("20.00"), "E", 4),
        ("e", Decimal("20.00"), "E", 4),
    ]
    red, black = _lists(scored, 1, Decimal(60))
    # One place on each list, but both at 100 share it; both at 20 share the black one.
    # 60.00 is not below 60: 'c' is on neither list.
    assert (codes(red), codes(black)) == (["a", "b"], ["e", "d"])


def test_a_department_scoring_100_is_never_on_the_black_list():
    # Everyone closed all: all 100, all rank 1, all on the red list, none on the black.
    scored = ranked([closure(code, 5) for code in "abcd"])
    red, black = _lists(scored, 1, Decimal(60))
    assert (codes(red), black) == (["a", "b", "c", "d"], [])


def test_the_black_list_names_at_most_the_last_ranks_below_the_floor():
    # Scores 100, 40, 20, 0 (closure 5/5, 2/5, 1/5, 0/5); a list of 2: the two worst of
    # those below 60, worst first. 40 is below 60 too but beyond the last two.
    scored = ranked([closure("a", 5), closure("b", 2), closure("c", 1), closure("d", 0)])
    red, black = _lists(scored, 2, Decimal(60))
    # The red list's second place is b (rank 2), but 40 is below the floor: not red.
    assert (codes(red), codes(black)) == (["a"], ["d", "c"])


def test_the_ranking_uses_the_score_as_shown():
    # a: 2/3 = 66.666…% → 66.67; b: 6667/10000 = 66.67% exactly. Shown alike, ranked alike
    # (on the exact score, b would be first and a second).
    scored = ranked([closure("a", 2, 3), closure("b", 6667, 10000)])
    assert [(f.department.code, f.score, f.rank) for f in scored] == [
        ("a", Decimal("66.67"), 1),
        ("b", Decimal("66.67"), 1),
    ]


def test_a_score_on_two_rates_does_not_outrank_one_on_nine():
    from zhili.bulletins.rates import DEFAULT_WEIGHTS

    # x: only ratings, 5 of 5 satisfied: 解决率 and 满意率 100% → 100.00 on 2 rates.
    x = DepartmentFigures(department=Department(code="x", name="x"), rated=5, satisfied=5)
    # y: all nine rates, perfect but for closure and on-time closure, 4/5 each (weights 10
    # and 10 of 100): 100 − 10 × 0.2 − 10 × 0.2 = 96.00 on 9 rates.
    y = DepartmentFigures(
        department=Department(code="y", name="y"),
        dispatched=5,
        taken=5,
        taken_on_time=5,
        responded=5,
        due=5,
        handled=5,
        handled_on_time=5,
        due_to_close=5,
        closed=4,
        closed_on_time=4,
        rated=5,
        satisfied=5,
    )
    scored = _rank([x, y], DEFAULT_WEIGHTS, 5, Decimal("0.9"), 5)
    assert [(f.department.code, f.score, f.rank) for f in scored] == [("y", Decimal("96.00"), 1)]
    assert (x.score, x.rates_used, x.too_few_rates, x.rank) == (Decimal("100.00"), 2, True, None)
    assert (y.rates_used, y.too_few_rates) == (9, False)
    # Only one rate weighs: then one rate is enough (the minimum is of the rates that weigh).
    assert codes(_rank([closure("a", 5)], ONLY_CLOSURE, 1, Decimal("0.9"), 5)) == ["a"]
