"""The demo city's Open311 client: one key, for a plausible citizen app (乐平随手拍), and the
share of the year's resident reports that came in through it."""

import datetime as dt
import hashlib

from zhili.cases.models import Case, CaseEvent, CaseFollower, Channel
from zhili.core.permissions import SystemActor
from zhili.open311.models import ApiKey, Submission
from zhili.open311.services import issue_key

DEMO_CLIENT = "乐平随手拍"
# Not a secret: the demo's key is printed in docs/open311.md so that anyone can try the API
# on a demo install. A real install issues its keys with `zhili open311-key NAME`.
DEMO_KEY = "o311_demo-leping-suishoupai"
# Of the residents' reports taken down by the centre from a phone call, one in this many
# came through the app instead.
APP_SHARE = 3


def build_demo(*, now: dt.datetime) -> ApiKey:
    """The demo's Open311 key (DEMO_KEY), issued at `now`, and the cases it filed: every
    APP_SHARE-th resident report without an account (by case number) is re-labelled as filed
    through the app, as `zhili.open311.services` would have filed it: the key's account is
    the reporter and follows the case, the channel is "api", and a Submission carries the
    token. Deterministic: tokens derive from the case numbers. Call after the cases."""
    key, _raw = issue_key(actor=SystemActor("system:demo"), name=DEMO_CLIENT, raw=DEMO_KEY)
    ApiKey.objects.filter(pk=key.pk).update(created_at=now - dt.timedelta(days=366))
    account = key.account
    residents = Case.objects.filter(
        channel=Channel.RESIDENT, reporter__isnull=True, merged_into__isnull=True
    ).order_by("number")
    cases = list(residents.values_list("pk", "number", "reported_at"))[::APP_SHARE]
    ids = [pk for pk, _n, _at in cases]
    Case.objects.filter(pk__in=ids).update(reporter=account, channel=Channel.API)
    CaseEvent.objects.filter(case_id__in=ids, action="report").update(
        actor=account, actor_label=account.get_username()
    )
    CaseFollower.objects.bulk_create([CaseFollower(case_id=pk, user=account) for pk in ids])
    Submission.objects.bulk_create(
        [
            Submission(
                case_id=pk,
                api_key=key,
                token=hashlib.sha256(f"open311-demo:{number}".encode()).hexdigest()[:22],
                created_at=at,
            )
            for pk, number, at in cases
        ]
    )
    return key


def delete_demo() -> None:
    """Remove the demo's submissions and keys (for `zhili demo --reset`, before the cases)."""
    Submission.objects.all().delete()
    ApiKey.objects.all().delete()
