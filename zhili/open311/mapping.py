"""Zhili's categories and cases in GeoReport v2's words (docs/open311.md, "Mapping").

Every value a client reads is decided here; the views only choose the rows and the format.
Nothing here reads the reporter's name, phone, e-mail or device id, so no public response can
carry them.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import (
    OPEN_STATUSES,
    CaseStatus,
    Category,
    Step,
    TaskRole,
    TaskStatus,
    TimeLimit,
    Urgency,
)
from zhili.cases.selectors import exact_deadline_note
from zhili.cases.services.common import DEFAULT_LIMITS
from zhili.core.personal import redact_numbers
from zhili.core.workcalendar import TimeUnit
from zhili.open311.render import Many
from zhili.open311.selectors import is_public

CS = CaseStatus
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def w3c(moment) -> str | None:
    """A time in the W3C profile of ISO 8601, in Asia/Shanghai with its offset."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


# --- Services -----------------------------------------------------------------------------


def service_entry(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(category.attributes),
        # The case number comes back at once (see docs/open311.md, "Filing").
        "type": "realtime",
        "keywords": None,
        "group": category.parent.name if category.parent_id else None,
    }


def _datatype_description(datatype: str):
    return {
        "number": _("A number."),
        "text": _("Text; line breaks are allowed."),
        "singlevaluelist": _("Choose one of the listed values: send its key."),
        "multivaluelist": _(
            "Choose one or more of the listed values: send each key as attribute[code][]."
        ),
    }.get(datatype)


def service_definition(category: Category) -> dict:
    attributes = []
    for order, question in enumerate(category.attributes or [], start=1):
        datatype = question.get("datatype", "string")
        values = question.get("values") or []
        attributes.append(
            {
                "variable": True,
                "code": question.get("code"),
                "datatype": datatype,
                "required": bool(question.get("required")),
                "datatype_description": question.get("datatype_description")
                or _datatype_description(datatype),
                "order": order,
                "description": question.get("label") or question.get("code"),
                "values": Many(
                    "value", [{"key": str(v.get("key")), "name": v.get("name")} for v in values]
                ),
            }
        )
    return {"service_code": category.code, "attributes": Many("attribute", attributes)}


def _limit_text(amount: Decimal, unit: str) -> str:
    return _("%(amount)s %(unit)s") % {
        "amount": f"{amount.normalize():f}",
        "unit": TimeUnit(unit).label,
    }


def service_notices(category_ids) -> dict[int, str]:
    """For each category, what happens next: the time limits of acceptance and handling."""
    category_ids = set(category_ids)
    limits = {
        (t.category_id, t.step): (t.amount, t.unit)
        for t in TimeLimit.objects.filter(
            category_id__in=category_ids,
            urgency=Urgency.NORMAL,
            step__in=[Step.ACCEPT, Step.HANDLE],
        )
    }
    notices = {}
    for category_id in category_ids:
        accept = limits.get((category_id, Step.ACCEPT), DEFAULT_LIMITS[Step.ACCEPT])
        handle = limits.get((category_id, Step.HANDLE), DEFAULT_LIMITS[Step.HANDLE])
        notices[category_id] = _(
            "The governance centre accepts or rejects a report within %(accept)s; the "
            "department it sends the case to handles it within %(handle)s."
        ) % {"accept": _limit_text(*accept), "handle": _limit_text(*handle)}
    return notices


# --- Service requests ---------------------------------------------------------------------


def lead_task(case):
    """The order of the current round whose department answers for the case: the lead's
    (not returned, not cancelled), else a co-department's still on it."""
    tasks = [
        t for t in case.tasks.all() if t.status not in (TaskStatus.RETURNED, TaskStatus.CANCELLED)
    ]
    leads = [t for t in tasks if t.role == TaskRole.LEAD]
    chosen = leads or tasks
    return chosen[-1] if chosen else None


def status_of(case) -> str:
    """open or closed, for a case that is not merged (see request_entry for merged ones)."""
    return "open" if case.status in OPEN_STATUSES else "closed"


def status_notes(case, *, public: bool = True) -> str:
    """Why the case stands where it stands, in the reader's language (Chinese by default).
    Of a case that is not public itself (one that a public case was merged into), no free
    text is told: neither a department's result nor the centre's reason, which were written
    for that case's own reporter and may name people."""
    task = lead_task(case)
    department = task.department.name if task else ""
    if case.status == CS.REPORTED:
        return _("Received; the governance centre will accept or reject it.")
    if case.status == CS.ACCEPTED:
        if case.rework_count:
            return _("Reopened; the governance centre is sending it to a department again.")
        return _("Accepted by the governance centre; it is being sent to a department.")
    if case.status == CS.DISPATCHED:
        if task is not None and task.status == TaskStatus.DISPATCHED:
            return _("Sent to %(department)s.") % {"department": department}
        return _("%(department)s is working on it.") % {"department": department}
    if case.status == CS.HANDLED:
        return _("%(department)s reports it handled; it awaits a check on the spot.") % {
            "department": department
        }
    if case.status == CS.VERIFIED:
        return _("Checked on the spot; it awaits closure.")
    if case.status == CS.ON_HOLD:
        return _("On hold for now; to be reviewed on %(date)s.") % {
            "date": case.hold_until.isoformat() if case.hold_until else "—"
        }
    if case.status == CS.CLOSED:
        if public and task is not None and task.result:
            return _("Closed. %(department)s: %(result)s") % {
                "department": department,
                "result": task.result,
            }
        return _("Closed.")
    if case.status == CS.REJECTED:
        if not public:
            return _("Not accepted.")
        return _("Not accepted: %(reason)s") % {"reason": case.reason}
    if not public:
        return _("Voided.")
    return _("Voided: %(reason)s") % {"reason": case.reason}


def _updated(case):
    if status_of(case) == "closed" and case.closed_at:
        return case.closed_at
    return getattr(case, "last_event_at", None) or case.reported_at


def _with_deadline_note(notes: str, case) -> str:
    """The notes, and the words that say expected_datetime is provisional when it is."""
    note = exact_deadline_note(case=case) if status_of(case) == "open" else ""
    return f"{notes} {note}".strip() if note else notes


def request_entry(case, survivor, notices: dict[int, str]) -> dict:
    """One <request> of GET requests: `case` as the client filed it, its progress read from
    `survivor` (the case it was merged into, or itself)."""
    task = lead_task(survivor)
    updated = _updated(case)
    notes = status_notes(survivor, public=survivor.pk == case.pk or is_public(survivor))
    if survivor.pk != case.pk:
        notes = _("Reported already: followed as case %(number)s. %(notes)s") % {
            "number": survivor.number,
            "notes": notes,
        }
        updated = max(updated, _updated(survivor))
    submission = getattr(case, "open311", None)  # every listed case has one
    return {
        "service_request_id": case.number,
        "status": status_of(survivor),
        "status_notes": redact_numbers(_with_deadline_note(notes, survivor)),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": redact_numbers(case.description),
        "agency_responsible": task.department.name if task else None,
        "service_notice": notices.get(case.category_id),
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(survivor.step_deadline) if status_of(survivor) == "open" else None,
        "address": redact_numbers(case.address) or case.place.name,
        "address_id": case.place.code,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": (submission.media_url or None) if submission else None,
    }
