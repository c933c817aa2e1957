"""The demo runs as a city would: `make demo` writes var/zhili.env (DEBUG off, its own keys)
once, `zhili` reads it in the checkout with no environment prefix, and an unknown address or a
failure shows the site's own pages in Chinese, not Django's debug page."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

# What `zhili` would inherit from a plain shell: none of the settings.
BARE = {
    name: value
    for name, value in os.environ.items()
    if name not in {"DEBUG", "SECRET_KEY", "PERSONAL_DATA_KEYS", "PERSONAL_DATA_INDEX_KEY"}
    and not name.startswith(("DJANGO_", "ZHILI_"))
}

SHOW = (
    "from django.conf import settings;"
    "print(settings.DEBUG, settings.SECRET_KEY, settings.PERSONAL_DATA_INDEX_KEY)"
)


def write_env_file(var: Path) -> Path:
    """Run the Makefile's own rule for var/zhili.env in a scratch folder."""
    subprocess.run(
        # -o: the installed venv counts as up to date (its rule reads the checkout's files).
        ["make", "-s", "-f", str(ROOT / "Makefile"), f"VENV={BIN.parent}"]
        + ["-o", str(BIN.parent / ".installed"), "var/zhili.env"],
        cwd=var.parent,
        check=True,
        capture_output=True,
        env={**BARE, "PATH": os.environ["PATH"]},
    )
    return var / "zhili.env"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_writes_its_own_keys_with_debug_off_and_starts_a_new_city(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "zhili.sqlite3").write_text("a city built with other keys")

    env_file = write_env_file(var)

    lines = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert lines["DEBUG"] == "false"
    assert len(lines["SECRET_KEY"]) >= 50
    assert lines["PERSONAL_DATA_KEYS"] and lines["PERSONAL_DATA_INDEX_KEY"]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert not (var / "zhili.sqlite3").exists()
    # Written once: a second run keeps the keys the city was built with.
    before = env_file.read_text()
    write_env_file(var)
    assert env_file.read_text() == before


def zhili(var: Path, *args, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "zhili"), *args],
        cwd=ROOT,
        env={**BARE, "ZHILI_VAR_DIR": str(var), **extra},
        capture_output=True,
        text=True,
    )


def test_zhili_reads_the_demo_settings_with_no_environment_prefix(tmp_path):
    (tmp_path / "zhili.env").write_text(
        "# written by make demo\n"
        "DEBUG=false\n"
        "SECRET_KEY=s3cret-of-this-demo-0123456789-0123456789-0123456789\n"
        "PERSONAL_DATA_KEYS=ZmVybmV0LWtleS1vZi10aGlzLWRlbW8tMDEyMzQ1Njc=\n"
        "PERSONAL_DATA_INDEX_KEY=index-key-of-this-demo\n"
    )

    shown = zhili(tmp_path, "shell", "-c", SHOW)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-3:] == [
        "False",
        "s3cret-of-this-demo-0123456789-0123456789-0123456789",
        "index-key-of-this-demo",
    ]
    # The environment wins over the file.
    shown = zhili(tmp_path, "shell", "-c", SHOW, DEBUG="true")
    assert shown.stdout.split()[-3] == "True"


def test_without_the_file_zhili_still_asks_for_the_keys(tmp_path):
    shown = zhili(tmp_path, "shell", "-c", SHOW)

    assert shown.returncode != 0
    assert "SECRET_KEY must be set" in shown.stderr


def test_a_malformed_line_stops_with_its_place(tmp_path):
    (tmp_path / "zhili.env").write_text("DEBUG=false\nexport SECRET KEY\n")

    shown = zhili(tmp_path, "shell", "-c", SHOW)

    assert shown.returncode != 0
    assert "zhili.env:2: not a NAME=value line" in shown.stderr


@pytest.mark.django_db
def test_an_unknown_address_shows_the_sites_own_page_in_chinese(client, settings, town):
    settings.DEBUG = False
    client.force_login(town.cast.coordinator)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>页面不存在</h1>" in text
    assert 'class="mainnav"' in text  # the site's shell, with its menu
    assert "Page not found" not in text


def test_a_failure_shows_the_sites_own_page_in_chinese():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    text = response.content.decode()
    assert "<h1>系统出错了</h1>" in text
    assert "Server Error" not in text
