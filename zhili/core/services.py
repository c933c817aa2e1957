"""Writes of the core's own data: the official calendar's entries."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core import permissions
from zhili.core.errors import InvalidInput
from zhili.core.models import CalendarDay
from zhili.core.permissions import Cap


@transaction.atomic
def enter_holiday_notice(
    *,
    actor,
    year: int,
    days_off: dict[dt.date, str],
    workdays: dict[dt.date, str],
    note: str = "",
) -> list[CalendarDay]:
    """Enter the State Council's holiday notice for `year` in one step: the weekdays off
    (`days_off`, date → name) and the make-up working days on weekends (`workdays`). Days
    already entered for that year are replaced; each entry is audited. Saving sends the
    calendar's change, so provisional deadlines are counted again after the commit. Who may:
    an administrator (accounts.manage). Raises InvalidInput naming the field."""
    from zhili.audit.services import record_audit  # audit sits above core

    permissions.require(actor, Cap.ACCOUNTS_MANAGE)
    errors: dict[str, list] = {}
    for field, days in (("days_off", days_off), ("workdays", workdays)):
        stray = sorted(day for day in days if day.year != year)
        if stray:
            errors.setdefault(field, []).append(
                _("%(day)s is not in %(year)s.") % {"day": stray[0].isoformat(), "year": year}
            )
    both = sorted(set(days_off) & set(workdays))
    if both:
        errors.setdefault("workdays", []).append(
            _("%(day)s is both a day off and a working day.") % {"day": both[0].isoformat()}
        )
    if not days_off and not workdays:
        errors["days_off"] = [_("Enter the days of the notice.")]
    if errors:
        raise InvalidInput(fields=errors)
    note = (note or "").strip()[:200]
    existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__year=year)}
    saved = []
    wanted = {
        **{d: (False, n) for d, n in days_off.items()},
        **{d: (True, n) for d, n in workdays.items()},
    }
    for day, (is_workday, name) in sorted(wanted.items()):
        entry = existing.pop(day, None) or CalendarDay(date=day)
        before = (entry.is_workday, entry.name) if entry.pk else None
        entry.is_workday, entry.name, entry.note = is_workday, (name or "")[:50], note
        entry.save()
        record_audit(
            actor=actor,
            action="calendarday.enter_notice",
            obj=entry,
            changes={
                "is_workday": [before[0] if before else None, is_workday],
                "name": [before[1] if before else None, entry.name],
            },
        )
        saved.append(entry)
    for entry in existing.values():  # entered before but not in the notice
        record_audit(
            actor=actor,
            action="calendarday.enter_notice_delete",
            obj=entry,
            changes={"is_workday": [entry.is_workday, None]},
        )
        entry.delete()
    return saved
