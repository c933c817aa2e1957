"""A webhook receiver on loopback (a real HTTP server in a thread) that checks every
signature the way docs/webhooks.md tells a receiver to, and the case loop's cast."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zhili.cases.tests.conftest import loop  # noqa: F401 (the loop fixture)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TOLERANCE = 300


def verify(secret: str, headers, body: bytes, tolerance: int = TOLERANCE) -> bool:
    """docs/webhooks.md, "Verifying a delivery", word for word."""
    header = headers.get("Zhili-Signature", "")
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, given)


@dataclass
class Received:
    event_id: str
    event: str
    attempt: int
    headers: dict
    body: bytes
    verified: bool
    answered: int

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `status`, except the first `fail_first` requests of each event id (500);
    waits `delay` seconds before answering; with `redirect_to`, answers 302."""

    secret: str = ""
    status: int = 200
    fail_first: int = 0
    delay: float = 0.0
    redirect_to: str = ""
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_for(self, event_id: str) -> int:
        with self.lock:
            seen = sum(1 for r in self.received if r.event_id == event_id)
        return 500 if seen < self.fail_first else self.status

    def successes(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]

    def events(self) -> list[str]:
        return sorted(r.event for r in self.successes())


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            event_id = self.headers.get("Zhili-Event-Id", "")
            status = receiver.answer_for(event_id)
            if receiver.redirect_to:
                status = 302
            verified = verify(receiver.secret, self.headers, body)
            if not verified:
                status = 401
            with receiver.lock:
                receiver.received.append(
                    Received(
                        event_id=event_id,
                        event=self.headers.get("Zhili-Event", ""),
                        attempt=int(self.headers.get("Zhili-Attempt", "0")),
                        headers=dict(self.headers),
                        body=body,
                        verified=verified,
                        answered=status,
                    )
                )
            if receiver.delay:
                time.sleep(receiver.delay)
            try:
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.redirect_to)
                reply = b'{"ok": true}' if status < 300 else b"try again later"
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:  # the sender gave up waiting (a timeout test)
                pass

        def log_message(self, format, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    hook = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hook))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/zhili"
    yield hook
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook_endpoint(loop, city, receiver):  # noqa: F811
    """An endpoint over the whole test city, subscribed to every event, at the receiver."""
    from zhili.webhooks.models import Event
    from zhili.webhooks.services import create_endpoint

    endpoint = create_endpoint(
        actor=loop.admin,
        name="城市运行中心",
        url=receiver.url,
        place=city.city,
        events=list(Event.values),
    )
    receiver.secret = endpoint.secret
    return endpoint
