"""The demo city's fast intake (POST /api/v1/reports): the couriers' app sends its whistles
there, so the couriers' reports of the last weeks each have the receipt the filer turned into
their case, a few seconds after it came in; and a handful were refused, their phones having
sent a point far outside the city (a stale fix after a flight home, a phone set to the wrong
map datum), as the filer refuses them. One failed on an outage and waits in the admin for
someone to file it again.

Written as zhili.cases.services.intake writes them; deterministic: the receipts follow the
cases by number, the keys derive from them, and the refusals are drawn from one
`random.Random(seed)`. Run after zhili.demo.cases.build_cases.
"""

import datetime as dt
import hashlib
import random

from django.utils import translation
from django.utils.translation import gettext as _

from zhili.cases.models import Case, Channel, Receipt, ReceiptStatus
from zhili.cases.services.intake import FAILED_MESSAGE
from zhili.core.errors import InvalidInput
from zhili.people.models import User

WEEKS = 4
REFUSED = 6
# Points a phone may send from far away: Beijing, Shanghai, Guangzhou, and (0, 0).
FAR_AWAY = [(116.397, 39.908), (121.474, 31.230), (113.264, 23.129), (0.0, 0.0)]


def _key(number: str) -> str:
    return "app-" + hashlib.sha256(f"intake-demo:{number}".encode()).hexdigest()[:20]


def build_receipts(*, seed: int, now: dt.datetime) -> int:
    """The receipts of the couriers' reports of the last WEEKS weeks (filed), REFUSED refused
    ones and one failed one; returns how many."""
    rng = random.Random(f"intake-{seed}")
    cases = list(
        Case.objects.filter(
            channel=Channel.COURIER,
            reporter__isnull=False,
            reported_at__gte=now - dt.timedelta(weeks=WEEKS),
        ).order_by("number")
    )
    receipts = [
        Receipt(
            reporter_id=case.reporter_id,
            idempotency_key=_key(case.number),
            payload=_payload(case, case.longitude, case.latitude),
            status=ReceiptStatus.FILED,
            case=case,
            received_at=case.reported_at,
            decided_at=case.reported_at + dt.timedelta(milliseconds=rng.randint(300, 4000)),
        )
        for case in cases
    ]
    with translation.override("zh-hans"):
        outside = InvalidInput(
            fields={"longitude": [_("This point lies outside every place we know.")]}
        ).as_dict()
        failed = {"code": "failed", "message": _(FAILED_MESSAGE), "fields": {}}
    couriers = list(User.objects.filter(username__startswith="courier").order_by("username"))
    # Modelled on cases a day old or more, so that each came in (at most 10 h later) before now.
    older = [c for c in cases if c.reported_at < now - dt.timedelta(days=1)]
    for n, model in enumerate(rng.sample(older, min(REFUSED + 1, len(older)))):
        at = model.reported_at + dt.timedelta(minutes=rng.randint(20, 600))
        refused = n < REFUSED
        lon, lat = rng.choice(FAR_AWAY) if refused else (model.longitude, model.latitude)
        receipts.append(
            Receipt(
                reporter=rng.choice(couriers),
                idempotency_key=_key(f"{model.number}-{n}"),
                payload=_payload(model, lon, lat),
                status=ReceiptStatus.REFUSED if refused else ReceiptStatus.FAILED,
                errors=outside if refused else failed,
                attempts=0 if refused else 5,
                received_at=at,
                decided_at=at + dt.timedelta(seconds=rng.randint(1, 90 if refused else 900)),
            )
        )
    receipts.sort(key=lambda r: (r.received_at, r.idempotency_key))
    Receipt.objects.bulk_create(receipts)
    return len(receipts)


def _payload(case: Case, longitude, latitude) -> dict:
    return {
        "category_id": case.category_id,
        "description": case.description,
        "urgency": case.urgency,
        "longitude": longitude,
        "latitude": latitude,
        "place_id": None,
        "address": case.address,
        "attributes": case.attributes,
    }
