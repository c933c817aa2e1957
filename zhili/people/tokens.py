"""API tokens for programs: issue one (shown once), find the account behind one, revoke."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from zhili.audit.services import record_audit
from zhili.core import permissions, rawsql
from zhili.people.models import ApiToken, RoleGrant, User
from zhili.places.models import Place

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


# The account's columns the token check loads; the rest (the password hash, the encrypted
# phone) stay in the database until something reads them.
_ACCOUNT_FIELDS = (
    "id",
    "username",
    "full_name",
    "is_active",
    "is_superuser",
    "is_staff",
    "person_id",
)


def account_for_token(raw: str) -> User | None:
    """The active account a presented token acts for, or None (unknown, revoked, inactive),
    with its role grants already read. This runs on every call a program makes, so it is one
    query in plain SQL: the account, its token and its grants joined (the ORM would spend
    ten times the round trip building three queries)."""
    if not raw:
        return None
    fields, account_columns = rawsql.columns(User, _ACCOUNT_FIELDS, "u")
    with rawsql.cursor() as cursor:
        # Only table and column names from the models are spliced in; the hash is a parameter.
        cursor.execute(
            f"""
            SELECT t.last_used_at, t.id, g.role, p.path, g.place_id, g.department_id,
                   {account_columns}
            FROM {ApiToken._meta.db_table} t
            JOIN {User._meta.db_table} u ON u.id = t.owner_id
            LEFT JOIN {RoleGrant._meta.db_table} g ON g.user_id = u.id
            LEFT JOIN {Place._meta.db_table} p ON p.id = g.place_id
            WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active
            """,  # noqa: S608
            [hash_token(raw)],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    last_used_at = rawsql.python_value(ApiToken._meta.get_field("last_used_at"), rows[0][0])
    token_id = rows[0][1]
    user = rawsql.instance_from_row(User, fields, rows[0][6:])
    permissions.remember_grants(user, [row[2:6] for row in rows if row[2] is not None])
    now = timezone.now()
    if last_used_at is None or now - last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


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
