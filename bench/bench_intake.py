"""Report intake over HTTP on PostgreSQL (issue 3, "Speed"): POST /api/v1/reports (the fast
intake: the report taken into a receipt, answered 202, filed as a case by the background
filer) with a courier's API token, against a bare Django view that validates the same fields
with a plain Form and inserts one row (bench/baseline/), both served by one gunicorn with
DEBUG off and loaded the same way in the same run. For scale it also loads POST /api/v1/cases
(the case filed before the answer) and times the filer.

    .venv/bin/python bench/bench_intake.py [--configs sync:5,gthread:2x4] [--seconds 20]
        [--rounds 3] [--rates 250,50] [--filing-window 60] [--keep] [--reuse]

Deployed as a city deploys it: Redis as the cache and the task queue (RQ), and two filers
(INTAKE_FILERS), `nice -n 10 zhili worker`, running all along, so that a burst of reports is
taken in first and filed with the CPU the web workers leave.

For each gunicorn configuration: the highest sustained rate (wrk, closed loop,
bench/post.lua: 1 thread, 32 connections, `--seconds` long, after a 5-second warm-up) of
intake and baseline in turn, `--rounds` pairs (the VM's speed drifts; each ratio is of two
runs seconds apart), with the filers paused (a burst taken in first, filed after); then the
intake once more with the filers at work all along, and POST /api/v1/cases/; then
latency at constant rates (bench/_loadgen.py, open loop, each of `--rates` requests a second
for `--seconds`), intake and baseline one after the other, the server drained of queued
requests between runs. After each intake run it watches the filers work through the backlog
for `--filing-window` seconds with nothing else running (their own rate), then discards what
is left, so that the next run starts on a quiet machine. Every report carries its own
point inside a grid of the demo city and its own Idempotency-Key. Each figure comes with the
share of the CPU that other people's processes took meanwhile (the machine is shared).

Builds the database zhili_bench_intake afresh (`zhili migrate`, `zhili demo`, an API token
for the demo courier) and drops it at the end unless --keep. Uses Redis database 13 (emptied
first). Waits for the machine to be quiet (1-minute load average below 1) before each
configuration.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _loadgen import constant_rate  # noqa: E402
from _serve import (  # noqa: E402
    BIN,
    CpuShare,
    Gunicorn,
    fresh_demo_database,
    loadavg,
    production_env,
    psql,
    remove_folder,
    use_debug_keys,
    wait_for_quiet,
)

DATABASE = "zhili_bench_intake"
PORT = 8932
INTAKE, BASELINE, DIRECT = "/api/v1/reports/", "/baseline/report", "/api/v1/cases/"
REDIS = "redis://127.0.0.1:6379/13"
WRK_CONNECTIONS = 32


def make_points(path: Path, count: int = 40_000) -> list[tuple[int, float, float]]:
    """Points inside the demo city's grids (each checked with locate_point), each with a
    category that asks no required question. Enough of them that a run seldom sends one
    twice: the duplicate check then meets as many open cases nearby as in a busy city, not
    the pile a few points would grow."""
    from zhili.cases.models import Category
    from zhili.places.models import Place
    from zhili.places.selectors import locate_point

    rng = random.Random(3)
    categories = [
        c.pk
        for c in Category.objects.filter(is_active=True)
        if not any(q.get("required") for q in c.attributes or [])
    ]
    grids = list(Place.objects.filter(kind="grid", min_lon__isnull=False))
    points = []
    while len(points) < count:
        grid = rng.choice(grids)
        lon = round(rng.uniform(grid.min_lon, grid.max_lon), 6)
        lat = round(rng.uniform(grid.min_lat, grid.max_lat), 6)
        found = locate_point(lon, lat)
        if found is not None and found.grid is not None:
            points.append((rng.choice(categories), lon, lat))
    path.write_text("".join(f"{c} {lon} {lat}\n" for c, lon, lat in points))
    return points


FILERS = 2  # INTAKE_FILERS's default: two worker processes, one per core


class Filers:
    """The background filers as deployed: FILERS × `nice -n 10 zhili worker` (RQ)."""

    def __init__(self, env: dict):
        self.log = tempfile.NamedTemporaryFile(prefix="filer-", suffix=".log", delete=False)
        self.processes = [
            subprocess.Popen(
                ["nice", "-n", "10", str(BIN / "zhili"), "worker"],
                env=dict(env, INTAKE_FILERS=str(FILERS)),
                cwd=ROOT,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for _ in range(FILERS)
        ]

    def _all(self) -> list[int]:
        """The workers and their descendants (RQ runs each job in a child of its own
        session, which a signal to the worker's process group would miss)."""
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int(
                        (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                    )
                except (OSError, IndexError, ValueError):
                    pass
        found = {p.pid for p in self.processes}
        grew = True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in found} - found
            found |= more
            grew = bool(more)
        return sorted(found)

    def _signal(self, number: int) -> None:
        for pid in self._all():
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=60)


def pending() -> int:
    return int(psql(DATABASE, "SELECT count(*) FROM cases_receipt WHERE status = 'pending'"))


def filing_rate(window: float) -> str:
    """How fast the filers file the backlog a run left, with nothing else running: watched
    for `window` seconds (or until the backlog is gone). What is left is then discarded
    (deleted, and RQ's queue emptied), so that the next run starts on a quiet machine."""
    backlog, began = pending(), time.monotonic()
    while pending() and time.monotonic() - began < window:
        time.sleep(0.5)
    seconds, left = time.monotonic() - began, pending()
    rate = (backlog - left) / seconds if seconds > 0.5 else 0
    psql(DATABASE, "DELETE FROM cases_receipt WHERE status = 'pending'")
    subprocess.run(
        ["redis-cli", "-n", REDIS.rsplit("/", 1)[1], "FLUSHDB"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (
        f"filers: {backlog} receipts pending at the end of the run; they filed "
        f"{backlog - left} in the next {seconds:.1f} s ({rate:.1f} a second)"
        + (f"; {left} discarded" if left else "")
    )


def wrk(env: dict, path: str, seconds: int, run: str, token: str, offset: int) -> dict:
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{WRK_CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "post.lua"),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        env=dict(env, BENCH_RUN=run, BENCH_TOKEN=token, BENCH_OFFSET=str(offset)),
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("wrk-json "))
    figures = json.loads(line.removeprefix("wrk-json "))
    figures["rate"] = figures["requests"] / figures["seconds"]
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return figures


def wrk_line(f: dict) -> str:
    return (
        f"{f['rate']:7.1f} req/s, p50 {f['p50_ms']:6.1f} ms, p90 {f['p90_ms']:6.1f} ms, "
        f"p99 {f['p99_ms']:6.1f} ms, max {f['max_ms']:7.1f} ms, errors {f['errors']} "
        f"({f['requests']} requests)"
    )


def request_bytes(path: str, body: str, key: str, token: str) -> bytes:
    data = body.encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{PORT}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        f"Idempotency-Key: {key}",
        "Connection: close",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def courier_token(env: dict, name: str) -> str:
    """A new API token for the demo courier (`zhili api-token`)."""
    return subprocess.run(
        [str(BIN / "zhili"), "api-token", "courier", name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", default="sync:5,gthread:2x4")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rates", default="250,50")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="intake/baseline pairs")
    parser.add_argument(
        "--filing-window", type=float, default=60, help="seconds to watch the filers after a run"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left, if any"
    )
    args = parser.parse_args()

    env = production_env(DATABASE)
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'bench'}"
    env.update(REDIS_URL=REDIS, CACHE_BACKEND="redis", TASKS_BACKEND="rq")
    use_debug_keys(env)  # fixed keys, so that a kept database can be used again (--reuse)
    subprocess.run(
        ["redis-cli", "-n", REDIS.rsplit("/", 1)[1], "FLUSHDB"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    began = time.perf_counter()
    if not (
        args.reuse and psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    ):
        fresh_demo_database(DATABASE, env)
    token = courier_token(env, "bench")
    env["DJANGO_SETTINGS_MODULE"] = "baseline.settings"
    os.environ.update(env)
    import django

    django.setup()
    from _setup import machine
    from baseline.models import BaselineReport
    from django.db import connection

    from zhili.cases.models import Case

    if BaselineReport._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(BaselineReport)
    folder = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    points_file = folder / "points.txt"
    points = make_points(points_file)
    env["BENCH_POINTS"] = str(points_file)
    print(f"database built in {time.perf_counter() - began:.0f} s")
    print(machine())
    print(
        f"PostgreSQL {connection.pg_version // 10000}; wrk: 1 thread, {WRK_CONNECTIONS} connections"
    )
    connection.close()

    body = (
        '{{"category_id": {0}, "description": "井盖缺失，夜间有人险些踩空", "urgency": "normal", '
        '"longitude": {1}, "latitude": {2}, "address": "压测"}}'
    )
    rounds = 0
    # Each run's Idempotency-Keys are its own, also on a database an earlier run left
    # (--reuse): a key seen before would be answered as a replay, not taken in.
    tag = f"{int(time.time())}-"
    filers = Filers(env)
    try:
        for config in args.configs.split(","):
            kind, _, size = config.partition(":")
            workers, _, threads = size.partition("x")
            workers, threads = int(workers), int(threads or (4 if kind == "gthread" else 1))
            wait_for_quiet()
            with Gunicorn(env, port=PORT, workers=workers, threads=threads) as server:
                print(f"\n== {server.describe}; filers: {FILERS} × nice -n 10 zhili worker (RQ)")
                for path, key in ((INTAKE, token), (BASELINE, ""), (DIRECT, token)):
                    rounds += 1
                    wrk(env, path, 5, f"{tag}warm{rounds}", key, rounds * 10007)
                filing_rate(args.filing_window)
                # Intake and baseline in turn, `--rounds` times: the VM's speed drifts from
                # minute to minute (others' machines on the same host), so each ratio comes
                # from two runs a few seconds apart. The filers are paused meanwhile: a
                # burst is taken in first, filed after (their rate is printed next).
                ratios = []
                for _ in range(args.rounds):
                    rates = {}
                    filers.pause()
                    for name, path, key in (("intake", INTAKE, token), ("baseline", BASELINE, "")):
                        rounds += 1
                        server.drain()
                        with CpuShare(DATABASE) as cpu:
                            figures = wrk(
                                env, path, args.seconds, f"{tag}max{rounds}", key, rounds * 10007
                            )
                        rates[name] = figures["rate"]
                        print(f"  {name:8} max (wrk):    {wrk_line(figures)}; {cpu.line()}")
                    ratios.append(rates["intake"] / rates["baseline"])
                    print(f"  intake / baseline: {ratios[-1]:.2f}", flush=True)
                    filers.resume()
                    print(f"           {filing_rate(args.filing_window)}", flush=True)
                print(f"  ratios: {', '.join(f'{r:.2f}' for r in ratios)}", flush=True)
                # For scale: the intake with the filers at work (nice 10) all along, and the
                # case filed before the answer (POST /api/v1/cases/).
                for name, path, key in (
                    ("intake+filers", INTAKE, token),
                    ("direct", DIRECT, token),
                ):
                    rounds += 1
                    server.drain()
                    with CpuShare(DATABASE) as cpu:
                        figures = wrk(
                            env, path, args.seconds, f"{tag}max{rounds}", key, rounds * 10007
                        )
                    print(f"  {name:13} max (wrk): {wrk_line(figures)}; {cpu.line()}", flush=True)
                    if path == INTAKE:
                        print(f"           {filing_rate(args.filing_window)}", flush=True)
                for rate in [float(r) for r in args.rates.split(",")]:
                    for name, path, key in (("intake", INTAKE, token), ("baseline", BASELINE, "")):
                        rounds += 1
                        run = f"{tag}rate{rounds}"

                        def payload(i, path=path, key=key, run=run, offset=rounds * 10007):
                            c, lon, lat = points[(offset + i) * 7919 % len(points)]
                            return request_bytes(path, body.format(c, lon, lat), f"{run}-{i}", key)

                        server.drain()
                        filers.pause()
                        with CpuShare(DATABASE) as cpu:
                            result = constant_rate(
                                "127.0.0.1",
                                PORT,
                                rate=rate,
                                seconds=args.seconds,
                                payload_for=payload,
                                expect=202 if path == INTAKE else 201,
                            )
                        print(
                            f"  {name:8} at {rate:.0f}/s (open): {result.line()}; {cpu.line()}",
                            flush=True,
                        )
                        filers.resume()
                        if name == "intake":
                            print(f"           {filing_rate(args.filing_window)}", flush=True)
            print(f"  finished at {loadavg()}")
    finally:
        filers.stop()
    django.db.connections.close_all()
    cases = Case.objects.count()
    receipts = psql(DATABASE, "SELECT status, count(*) FROM cases_receipt GROUP BY 1 ORDER BY 1")
    print(f"\n{cases:,} cases in the database at the end; receipts: {receipts.split()}")
    connection.close()
    if not args.keep:
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE}")
        remove_folder(env)


if __name__ == "__main__":
    main()
