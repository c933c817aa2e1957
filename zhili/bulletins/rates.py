"""The rates of the bulletin, their default weights and which way is better (docs/metrics.md).
Kept apart from metrics.py so that the settings model can use them too."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# key: (label, numerator, denominator, lower is better)
RATES: dict[str, tuple[str, str, str, bool]] = {
    "timely_take": (_("Timely-take rate"), "taken_on_time", "dispatched", False),
    "response": (_("Response rate"), "responded", "dispatched", False),
    "extension": (_("Extension rate"), "extended", "dispatched", True),
    "on_time_handling": (_("On-time handling rate"), "handled_on_time", "due", False),
    "rework": (_("Rework rate"), "reworked", "due", True),
    "closure": (_("Closure rate"), "closed", "due_to_close", False),
    "on_time_closure": (_("On-time closure rate"), "closed_on_time", "due_to_close", False),
    "resolution": (_("Resolution rate"), "resolved", "rated", False),
    "satisfaction": (_("Satisfaction rate"), "satisfaction_points", "rated", False),
}
RATE_KEYS = tuple(RATES)

# The composite score's weights when no BulletinSettings row says otherwise (they sum to 100).
DEFAULT_WEIGHTS: dict[str, Decimal] = {
    "timely_take": Decimal(10),
    "response": Decimal(5),
    "extension": Decimal(5),
    "on_time_handling": Decimal(20),
    "rework": Decimal(10),
    "closure": Decimal(10),
    "on_time_closure": Decimal(10),
    "resolution": Decimal(10),
    "satisfaction": Decimal(20),
}
DEFAULT_BASIC_WEIGHT = Decimal("0.9")  # 基本满意 counts as 0.9 of 满意
DEFAULT_MINIMUM = 5
DEFAULT_LIST_SIZE = 3
# A composite resting on fewer of its weighted rates than this (or than all of them, when
# fewer weigh) is shown but not ranked: two rates out of nine say too little.
DEFAULT_MINIMUM_RATES = 5
# The black list names only departments whose (shown, rounded) score is below this: grades
# D and E. A department of grade C or better is never on it, however the others did.
DEFAULT_BLACK_LIST_BELOW = Decimal(60)

# Grades: the first whose floor the score reaches.
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "A"),
    (Decimal(75), "B"),
    (Decimal(60), "C"),
    (Decimal(40), "D"),
    (Decimal(0), "E"),
)


def grade_for(score: Decimal | None) -> str:
    if score is None:
        return ""
    return next(letter for floor, letter in GRADES if score >= floor)
