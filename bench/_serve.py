"""Shared by the HTTP benchmarks: a scratch PostgreSQL database with the demo city, the
environment of a production run (DEBUG off, its own keys, collected static files), and
gunicorn serving it on loopback."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def wait_for_quiet(max_load: float = 1.0, timeout: float = 900) -> None:
    """Wait (at most `timeout` s) until the 1-minute load average is below `max_load`: the
    machine is shared, and a figure taken while others run tests says little."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(10)
    print(f"starting at {loadavg()}", flush=True)


def psql(database: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", f"{PG_SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def production_env(database: str) -> dict:
    """The environment of a production run on `database`: DEBUG off, fresh keys, its own
    folder for static and media files, log level WARNING (no line per request)."""
    keys = subprocess.run(
        [str(BIN / "zhili"), "generate-keys"],
        env=dict(os.environ, DEBUG="true"),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    env = dict(os.environ)
    for line in keys.splitlines():
        name, _, value = line.partition("=")
        env[name.strip()] = value.strip()
    folder = Path(tempfile.mkdtemp(prefix=f"{database}-"))
    env.update(
        # This checkout's code, also when it is a copy (a snapshot taken while others edit).
        PYTHONPATH=str(ROOT),
        DEBUG="false",
        DATABASE_URL=f"{PG_SERVER}/{database}",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        ZHILI_VAR_DIR=str(folder),
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        LOG_LEVEL="WARNING",
        # The load is one account's (a courier app's token) hundreds of times a second:
        # the per-account rate limit would answer it 429.
        API_RATE_LIMIT="0",
    )
    return env


def use_debug_keys(env: dict) -> None:
    """For a database built with DEBUG on (bench/gen_cases.py's): the keys DEBUG derives from
    its default SECRET_KEY (zhili/settings.py), so that its personal data can be read."""
    import base64
    import hashlib

    secret = "zhili-insecure-debug-only-key"

    def derived(purpose: str) -> str:
        digest = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()

    env.update(
        SECRET_KEY=secret,
        PERSONAL_DATA_KEYS=derived("personal-data"),
        PERSONAL_DATA_INDEX_KEY=derived("personal-index"),
    )


def zhili(env: dict, *args: str) -> None:
    subprocess.run(
        [str(BIN / "zhili"), *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


def fresh_demo_database(database: str, env: dict) -> None:
    """Drop and create `database`, migrate it, build the demo city, collect static files."""
    psql("postgres", f"DROP DATABASE IF EXISTS {database}")
    psql("postgres", f"CREATE DATABASE {database}")
    zhili(env, "migrate")
    zhili(env, "demo")
    zhili(env, "collectstatic", "--no-input")


class Gunicorn:
    """gunicorn serving `wsgi` on 127.0.0.1:`port` with the given environment."""

    def __init__(
        self,
        env: dict,
        *,
        port: int,
        workers: int,
        threads: int = 1,
        wsgi: str = "zhili.wsgi:application",
        extra_env: dict | None = None,
    ):
        self.url = f"http://127.0.0.1:{port}"
        self.describe = f"gunicorn {workers} workers" + (
            f" × {threads} threads (gthread)" if threads > 1 else " (sync)"
        )
        args = [
            str(BIN / "gunicorn"),
            wsgi,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            args,
            env=dict(env, **(extra_env or {})),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def drain(self, timeout: float = 300) -> None:
        """Wait until the server answers /healthz within 50 ms three times running: requests
        left queued by an overloaded run must not be charged to the next one."""
        deadline, fast = time.monotonic() + timeout, 0
        while fast < 3 and time.monotonic() < deadline:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=30):
                    pass
            except OSError:  # refused, reset or timed out while the queue drains
                pass
            fast = fast + 1 if time.monotonic() - started < 0.05 else 0
            time.sleep(0.2)

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    return
            except OSError:  # refused, reset, or slow while the workers start
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer {path}; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self):
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


def remove_folder(env: dict) -> None:
    shutil.rmtree(env["ZHILI_VAR_DIR"], ignore_errors=True)


# --- Who else used the CPU during a measurement -------------------------------------------------


def _busy_ticks() -> int:
    """Clock ticks the whole machine spent busy since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields[:8]) - idle


def _process_ticks(pid: int) -> tuple[str, int, int]:
    """(name, parent pid, user + system clock ticks) of a process; ("", 0, 0) once it is gone."""
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:
        return "", 0, 0
    fields = tail.split()
    return head.split("(", 1)[1], int(fields[1]), int(fields[11]) + int(fields[12])


def _others(database: str) -> dict[int, int]:
    """Clock ticks used so far by other people's processes: every process that is neither
    this one nor a descendant of it (gunicorn, wrk) nor PostgreSQL's, plus the PostgreSQL
    backends connected to other databases (other people's tests)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            table[int(entry.name)] = _process_ticks(int(entry.name))
    mine, changed = {os.getpid()}, True
    while changed:
        changed = False
        for pid, (_name, parent, _ticks) in table.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    elsewhere = psql(
        "postgres",
        "SELECT pid FROM pg_stat_activity "
        f"WHERE datname IS NOT NULL AND datname <> '{database}' AND pid <> pg_backend_pid()",
    )
    theirs = {int(x) for x in elsewhere.split()}
    return {
        pid: ticks
        for pid, (name, _parent, ticks) in table.items()
        if pid not in mine and (name != "postgres" or pid in theirs)
    }


class CpuShare:
    """The share of the machine's two cores that other people's processes used while the
    block ran (the machine is shared), and the rest of the busy time: ours, with the database
    server's own work (its backends for our database, their parallel workers, its writers).
    Other people's processes that both start and end inside the block are missed, so
    `others` errs low; it is a guide, not an exact figure."""

    def __init__(self, database: str):
        self.database = database

    def __enter__(self):
        self.started = time.monotonic()
        self.busy0, self.others0 = _busy_ticks(), _others(self.database)
        return self

    def __exit__(self, *exc):
        seconds = time.monotonic() - self.started
        others1 = _others(self.database)
        busy = _busy_ticks() - self.busy0
        others = sum(ticks - self.others0.get(pid, 0) for pid, ticks in others1.items())
        hz, cores = os.sysconf("SC_CLK_TCK"), os.cpu_count()
        self.others = 100 * others / hz / seconds / cores
        self.ours = max(0.0, 100 * (busy - others) / hz / seconds / cores)

    def line(self) -> str:
        cores = os.cpu_count()
        return f"CPU: ours {self.ours:.0f} %, others' {self.others:.0f} % of the {cores} cores"
