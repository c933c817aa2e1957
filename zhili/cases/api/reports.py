"""/api/v1/reports: the fast intake (services/intake.py)."""

import datetime as dt

from django.http import JsonResponse
from django.urls import reverse
from ninja import Router, Schema

from zhili.cases.api.schemas import (
    REPORT_FIELDS_AS_SENT,
    ReportIn,
    name_as_sent,
)
from zhili.cases.models import (
    Receipt,
    ReceiptStatus,
)
from zhili.cases.services import intake
from zhili.core.bounds import Id
from zhili.core.errors import InvalidInput, NotFound

# Mounted at /api/v1/reports.
reports_router = Router(tags=["report intake"])


# --- The fast intake ----------------------------------------------------------------------------


class ReceiptOut(Schema):
    """A receipt as its reporter follows it (receipt_answer builds it)."""

    id: int
    status: str
    status_label: str
    received_at: dt.datetime
    decided_at: dt.datetime | None
    case_id: int | None
    case_number: str
    case_url: str | None
    errors: dict


def receipt_answer(receipt: Receipt) -> dict:
    """The receipt as ReceiptOut describes it. `errors`: why it was refused, as any error of
    this API ({"code", "message", "fields"}, the fields named as sent); empty unless refused
    or failed."""
    errors = {}
    if receipt.errors:
        errors = dict(receipt.errors)
        errors["fields"] = name_as_sent(errors.get("fields", {}), REPORT_FIELDS_AS_SENT)
    return {
        "id": receipt.pk,
        "status": receipt.status,
        "status_label": str(ReceiptStatus(receipt.status).label),
        "received_at": receipt.received_at,
        "decided_at": receipt.decided_at,
        "case_id": receipt.case_id,
        "case_number": receipt.case.number if receipt.case_id else "",
        "case_url": reverse("api-v1:get_case", args=[receipt.case_id]) if receipt.case_id else None,
        "errors": errors,
    }


@reports_router.post("/", response={200: ReceiptOut, 202: ReceiptOut})
def receive(request, payload: ReportIn):
    """Take a report in and answer at once (202, `Location`: the receipt); a filer in the
    background then files it as a case. Follow the receipt until its status is `filed` (the
    case's number and URL) or `refused` (field errors, as any error of this API). Errors that
    need no map (category, description, urgency, no location, answers) come back here at
    once, as 400. The same `Idempotency-Key` from the same account answers 200 with the first
    receipt. For the case at once, or with photos, POST to /api/v1/cases/ instead."""
    try:
        receipt, new = intake.receive_report(
            actor=request.user,
            report=payload.dict(),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except InvalidInput as exc:
        exc.fields = name_as_sent(exc.fields, REPORT_FIELDS_AS_SENT)
        raise
    # Answered as built, without a second pass through ReceiptOut: this is the API's busiest
    # call, and GET /{receipt_id} passes the same answer through the schema (tested equal).
    response = JsonResponse(
        receipt_answer(receipt),
        status=202 if new else 200,
        content_type="application/json; charset=utf-8",  # as the API's other answers
    )
    response["Location"] = reverse("api-v1:get_receipt", args=[receipt.pk])
    return response


@reports_router.get("/{receipt_id}", response=ReceiptOut, url_name="get_receipt")
def get_receipt(request, receipt_id: Id):
    """One of the caller's receipts: pending, filed (with its case), refused or failed."""
    receipt = intake.receipt_for(request.user, receipt_id)
    if receipt is None:
        raise NotFound()
    return receipt_answer(receipt)
