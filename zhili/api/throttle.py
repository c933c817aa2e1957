"""How often one account may call the API: API_RATE_LIMIT calls a minute (0: no limit), then
429 with Retry-After until the minute is over. A fixed one-minute window counted in the
cache: one increment a call (Redis with CACHE_BACKEND=redis, shared by every process; with
the default per-process cache each web process counts on its own, so the limit is per
process). The answer's shape is the API's own (errors.install)."""

import time

from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle

WINDOW = 60  # seconds


class AccountRateThrottle(BaseThrottle):
    def allow_request(self, request) -> bool:
        limit = settings.API_RATE_LIMIT
        account = getattr(request, "auth", None)
        ident = getattr(account, "pk", None)
        if not limit or ident is None:
            return True
        now = time.time()
        window = int(now // WINDOW)
        key = f"api-rate:{ident}:{window}"
        cache.add(key, 0, WINDOW * 2)
        try:
            calls = cache.incr(key)
        except ValueError:  # evicted between add and incr: count this call as the first
            cache.set(key, 1, WINDOW * 2)
            calls = 1
        self.left = (window + 1) * WINDOW - now
        return calls <= limit

    def wait(self) -> float:
        return self.left
