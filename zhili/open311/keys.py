"""Open311 keys at the door: which key a request presents, and its per-minute allowance.

The allowance is a fixed one-minute window counted in Django's cache (`cache.add` then
`cache.incr`: atomic in Redis, and under a lock in the local-memory cache), so several app
servers share it when the cache is Redis; with the local-memory cache each process counts
for itself.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from zhili.open311.models import ApiKey

# A key is hashed and touched as the programs' API tokens are: only its SHA-256 is kept, and
# last_used_at is written at most every TOUCH_EVERY, so a busy client costs no write per call.
from zhili.people.tokens import TOUCH_EVERY
from zhili.people.tokens import hash_token as hash_key

PREFIX = "o311_"
WINDOW_SECONDS = 60


class KeyRefused(Exception):
    """The request's key is missing, unknown or revoked (403); the argument says which."""


class RateLimited(Exception):
    """The key has used its allowance for this minute (429)."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after)


def key_for(raw: str) -> ApiKey:
    """The live key behind `raw`, its account active; KeyRefused (with why) otherwise."""
    if not raw:
        raise KeyRefused("missing")
    key = ApiKey.objects.select_related("account").filter(key_hash=hash_key(raw)).first()
    if key is None:
        raise KeyRefused("unknown")
    if key.revoked_at is not None or not key.account.is_active:
        raise KeyRefused("revoked")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def count_request(key: ApiKey, now: float | None = None) -> None:
    """Count one request against the key's OPEN311_RATE_LIMIT for the current minute;
    RateLimited, with the seconds until the next minute, once it is used up."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    name = f"open311:rate:{key.key_hash[:24]}:{window}"
    cache.add(name, 0, timeout=WINDOW_SECONDS + 5)
    try:
        used = cache.incr(name)
    except ValueError:  # evicted between add and incr: start the count again
        cache.set(name, 1, timeout=WINDOW_SECONDS + 5)
        used = 1
    if used > settings.OPEN311_RATE_LIMIT:
        raise RateLimited(max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999)))
