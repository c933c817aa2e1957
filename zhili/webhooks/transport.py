"""One HTTP POST with the standard library: a timeout, no redirects followed, and whatever
happens (an answer, a refusal, silence) returned as an Outcome rather than raised."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlsplit

EXCERPT_BYTES = 500


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # None: no HTTP answer at all
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer like any other non-2xx: a receiver that moved is told by the
    failed attempts in admin, and the body never goes to an address nobody registered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    return (str(reason) or type(reason).__name__)[:300]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(None, "not an http(s) URL", "", 0)
    # The scheme was checked just above: http(s) only, never file:// and the like.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(EXCERPT_BYTES)
            return Outcome(response.status, "", _excerpt(raw), took())
    except urllib.error.HTTPError as exc:  # an answer, but not 2xx (3xx included)
        try:
            raw = exc.read(EXCERPT_BYTES)
        except (OSError, HTTPException):
            raw = b""
        finally:
            exc.close()
        return Outcome(exc.code, f"HTTP {exc.code}", _excerpt(raw), took())
    except (urllib.error.URLError, OSError, HTTPException, ValueError) as exc:
        return Outcome(None, _reason(exc), "", took())
