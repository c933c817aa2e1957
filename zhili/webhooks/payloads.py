"""What a delivery says, and how it is signed (docs/webhooks.md).

The payload describes the case as the loop sees it: number, status, category, place, lead
department and clocks. It carries nothing of the reporter (name, phone, account), and no free
text (description, address, notes), which may hold personal data: a receiver that needs more
asks the API with its own token, under that token's rights.
"""

import datetime as dt
import hashlib
import hmac
import json
import uuid

from django.conf import settings
from django.utils import timezone, translation

from zhili.cases.models import LIVE_TASK_STATUSES, Case, CaseTask, TaskRole
from zhili.cases.selectors import exact_deadline_note

SIGNATURE_VERSION = "v1"


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _department(department) -> dict:
    return {"code": department.code, "name": department.name}


def lead_tasks(cases) -> dict[int, CaseTask]:
    """The live lead order of each case (the newest, if several), with its department, in
    one query: {case id: task}; a case without one is missing."""
    leads = {}
    for task in (
        CaseTask.objects.filter(
            case_id__in=[c.pk for c in cases], role=TaskRole.LEAD, status__in=LIVE_TASK_STATUSES
        )
        .select_related("department")
        .order_by("-id")
    ):
        leads.setdefault(task.case_id, task)
    return leads


def case_facts(case: Case, leads: dict[int, CaseTask] | None = None) -> dict:
    """The case as every event shows it. `case` with its category and place loaded; `leads`
    (lead_tasks) if they were read already for many cases."""
    lead = (lead_tasks([case]) if leads is None else leads).get(case.pk)
    return {
        "number": case.number,
        "status": case.status,
        "urgency": case.urgency,
        "category": {"code": case.category.code, "name": case.category.name},
        "place": {"code": case.place.code, "name": case.place.name},
        "lead_department": _department(lead.department) if lead else None,
        "reported_at": _time(case.reported_at),
        "step": case.step or None,
        "step_deadline": _time(case.step_deadline),
        # Words when step_deadline was counted on a year's provisional calendar, else null.
        "step_deadline_note": _provisional(case),
        "close_deadline": _time(case.close_deadline),
        "closed_at": _time(case.closed_at),
        "rating": case.rating or None,
    }


def _provisional(case: Case) -> str | None:
    # In the site's language, whatever language the worker sending the event speaks.
    with translation.override(settings.LANGUAGE_CODE):
        return exact_deadline_note(case=case) or None


def task_facts(task: CaseTask) -> dict:
    return {
        "department": _department(task.department),
        "role": task.role,
        "status": task.status,
        "take_deadline": _time(task.take_deadline),
        "handle_deadline": _time(task.handle_deadline),
    }


def build_payload(
    *,
    event_id: uuid.UUID,
    event: str,
    at: dt.datetime,
    case: Case,
    task: CaseTask | None = None,
    overdue: dict | None = None,
    leads: dict[int, CaseTask] | None = None,
) -> dict:
    payload = {
        "id": str(event_id),
        "event": event,
        "occurred_at": _time(at),
        "case": case_facts(case, leads),
        "task": task_facts(task) if task is not None else None,
    }
    if overdue is not None:
        payload["overdue"] = {"step": overdue["step"], "deadline": _time(overdue["deadline"])}
    return payload


def body_of(payload: dict) -> bytes:
    """The bytes POSTed: compact UTF-8 JSON with sorted keys, so that every attempt of a
    delivery sends the same body whatever order the database kept the keys in."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret, as hex."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SIGNATURE_VERSION}={signature(secret, timestamp, body)}"
