"""Browser journeys: a real server (gunicorn, DEBUG off, collected static files) on a fresh
SQLite demo city, driven by Playwright through Debian's Chromium."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
SHOTS = ROOT / "test-results" / "e2e"


# The server's environment, for running `zhili` commands against its database (zhili()).
SERVER_ENV: dict = {}


def zhili(*args: str) -> str:
    """Run a `zhili` command on the e2e server's database; returns what it printed."""
    return subprocess.run(
        [str(BIN / "zhili"), *args],
        env=SERVER_ENV,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("zhili-e2e")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PERSONAL_DATA_KEYS": Fernet.generate_key().decode(),
        "PERSONAL_DATA_INDEX_KEY": secrets.token_urlsafe(32),
        "ZHILI_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'e2e.sqlite3'}",
        "TASKS_BACKEND": "database",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    SERVER_ENV.update(env)
    zhili = str(BIN / "zhili")
    for args in (
        ["migrate", "--no-input", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
        ["demo"],
    ):
        subprocess.run([zhili, *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "zhili.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    # A task worker beside the web server, as in a deployment: exports are built there.
    worker = subprocess.Popen([zhili, "worker"], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None or worker.poll() is not None:
                for started in (proc, worker):
                    started.terminate()
                raise RuntimeError("the e2e server or its task worker did not start") from None
            time.sleep(0.3)
    yield url
    for started in (proc, worker):
        started.terminate()
    for started in (proc, worker):
        started.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A phone-sized page in a fresh context (no cookies from other tests)."""
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, base_url=server
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


# Inside 翠平社区第一网格 (the demo grid officer's grid): the phone's position.
POSITION = {"longitude": 117.0915, "latitude": 28.9835}


@pytest.fixture
def person(browser, server):
    """Open a phone-sized browser, sharing POSITION, signed in as the named demo account."""
    from playwright.sync_api import expect

    from zhili.demo.builder import DEMO_PASSWORD

    contexts = []

    def open_as(username: str):
        context = browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
            base_url=server,
            geolocation=POSITION,
            permissions=["geolocation"],
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, username, DEMO_PASSWORD)
        expect(page.get_by_test_id("home-title")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def fits_the_phone(page) -> None:
    """Nothing on the page is wider than the phone (no sideways scrolling)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
