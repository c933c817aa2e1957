"""API tokens for programs: issue one (shown once), find the account behind one, revoke."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from zhili.audit.services import record_audit
from zhili.people.models import ApiToken, User

PREFIX = "zl_"
# last_used_at is written at most this often, so that a busy program costs no write per call.
TOUCH_EVERY = dt.timedelta(minutes=5)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(*, actor, owner: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `owner`; returns the row and the token, which is never stored.
    Who may: an operator at the shell (the `zhili api-token` command)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(owner=owner, name=name.strip()[:100], key_hash=hash_token(raw))
    record_audit(
        actor=actor, action="api_token.issue", obj=owner, changes={"token": [None, token.name]}
    )
    return token, raw


def account_for_token(raw: str) -> User | None:
    """The active account a presented token acts for, or None (unknown, revoked, inactive)."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.owner


@transaction.atomic
def revoke_tokens(*, actor, owner: User, name: str) -> int:
    """Stop the owner's live tokens of this name from working; returns how many."""
    count = ApiToken.objects.filter(owner=owner, name=name.strip(), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        record_audit(
            actor=actor, action="api_token.revoke", obj=owner, changes={"token": [name, None]}
        )
    return count
