"""A case's clock as people read it: the deadline, and the time left or overdue, computed
when the page is drawn (a stored "overdue" flag would be wrong by the time anyone reads it)."""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.selectors import deadline_note

register = template.Library()


@dataclass(frozen=True)
class Clock:
    deadline: datetime
    overdue: bool
    text: str
    # Counted on a year's provisional calendar: the words that say so, else "".
    provisional: str = ""


def span_text(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def clock_of(deadline: datetime | None, now: datetime | None = None) -> Clock | None:
    if deadline is None:
        return None
    left = (deadline - (now or timezone.now())).total_seconds()
    note = deadline_note(deadline)
    if left < 0:
        return Clock(deadline, True, _("%(span)s overdue") % {"span": span_text(left)}, note)
    return Clock(deadline, False, _("%(span)s left") % {"span": span_text(left)}, note)


@register.filter
def clock(deadline):
    return clock_of(deadline)
