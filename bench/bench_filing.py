"""Filing a burst (issue 10, part 4): how fast two background filers turn a backlog of receipts
into cases on PostgreSQL, with the web workers up beside them, as a city deploys it.

    .venv/bin/python bench/bench_filing.py [--reports 5000] [--rounds 3] [--keep] [--reuse]

Builds zhili_bench_filing afresh (`zhili migrate`, `zhili demo`) unless --reuse finds it, and
drops it at the end unless --keep. Redis is the cache and the task queue (database 12,
emptied first); gunicorn serves the site with 5 sync workers (idle: a burst taken in first,
filed after); two filers run as deployed (`nice -n 10 zhili worker`, RQ, INTAKE_FILERS=2).

Each round, with the filers paused (and the queue emptied of the last round's webhook
sends, which would otherwise run before this round's filer), takes `--reports` reports in
through receive_report (the intake's service, in this process), each with its own point
inside a grid of the demo city (bench_intake's 40,000 points, so that the duplicate check
meets as many open cases nearby as in a busy city) and its own Idempotency-Key; then resumes
the filers, queues a filer as the intake does, and times them until no receipt is pending.
Printed: cases a second, the statuses, and the share of the CPU that other people's
processes took meanwhile.

The demo city has a webhook endpoint (a closed port): each case queues a delivery whose
sending fails and is retried by the same workers; the send jobs a round queues run after
its filers' jobs, and are discarded at the round's end (as bench_intake discards them).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _serve import (  # noqa: E402
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
from bench_intake import Filers, make_points  # noqa: E402

DATABASE = "zhili_bench_filing"
PORT = 8933
REDIS = "redis://127.0.0.1:6379/12"


def pending() -> int:
    return int(psql(DATABASE, "SELECT count(*) FROM cases_receipt WHERE status = 'pending'"))


def any_pending() -> bool:
    """In this process (a psql run every 0.2 s would cost the filers CPU)."""
    from zhili.cases.models import Receipt

    return Receipt.objects.filter(status="pending").exists()


def take_in(count: int, points: list, offset: int, tag: str) -> None:
    """`count` reports taken in as the intake takes them (a receipt each)."""
    from django.db import transaction

    from zhili.cases.services.intake import receive_report
    from zhili.people.models import User

    courier = User.objects.get(username="courier")
    for n in range(count):
        category, lon, lat = points[(offset + n) * 7919 % len(points)]
        with transaction.atomic():
            receive_report(
                actor=courier,
                report={
                    "category_id": category,
                    "description": "井盖缺失，夜间有人险些踩空",
                    "urgency": "normal",
                    "longitude": lon,
                    "latitude": lat,
                    "address": "压测",
                },
                idempotency_key=f"{tag}-{offset + n}",
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per round at most")
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=900,
        help="seconds to wait for a 1-minute load average under 1.5 before each round",
    )
    args = parser.parse_args()

    env = production_env(DATABASE)
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'bench'}"
    env.update(REDIS_URL=REDIS, CACHE_BACKEND="redis", TASKS_BACKEND="rq")
    use_debug_keys(env)
    redis_db = REDIS.rsplit("/", 1)[1]
    subprocess.run(["redis-cli", "-n", redis_db, "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)
    began = time.perf_counter()
    if not (
        args.reuse and psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    ):
        fresh_demo_database(DATABASE, env)
    env["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    os.environ.update(env)
    import django

    django.setup()
    from _setup import machine
    from django.db import connection

    from zhili.cases.services.intake import queue_filer

    # The points of a --keep run are kept beside it (finding 40,000 takes minutes).
    kept = Path(tempfile.gettempdir()) / f"{DATABASE}-points.txt"
    if args.reuse and kept.exists():
        points = [
            (int(c), float(lon), float(lat))
            for c, lon, lat in (line.split() for line in kept.read_text().splitlines())
        ]
    else:
        points = make_points(kept)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"database built in {time.perf_counter() - began:.0f} s; code at {commit}")
    print(machine())
    print(f"PostgreSQL {connection.pg_version // 10000}")
    tag = f"{int(time.time())}"
    filers = Filers(env)
    try:
        with Gunicorn(env, port=PORT, workers=5):
            time.sleep(3)  # the workers start
            for round_ in range(args.rounds):
                filers.pause()
                psql(DATABASE, "DELETE FROM cases_receipt WHERE status = 'pending'")
                t0 = time.perf_counter()
                take_in(args.reports, points, round_ * args.reports, tag)
                taken = time.perf_counter() - t0
                cases_before = int(psql(DATABASE, "SELECT count(*) FROM cases_case"))
                wait_for_quiet(1.5, timeout=args.quiet_timeout)
                filers.resume()
                with CpuShare(DATABASE) as cpu:
                    start = time.monotonic()
                    queue_filer()
                    while any_pending() and time.monotonic() - start < args.timeout:
                        time.sleep(0.2)
                    seconds = time.monotonic() - start
                left = pending()
                filed = int(psql(DATABASE, "SELECT count(*) FROM cases_case")) - cases_before
                statuses = psql(
                    DATABASE,
                    "SELECT status, count(*) FROM cases_receipt GROUP BY 1 ORDER BY 1",
                )
                # The round's webhook deliveries (one send job per case, after the filers'
                # own jobs in the queue) would delay the next round's filer: discarded.
                subprocess.run(
                    ["redis-cli", "-n", redis_db, "FLUSHDB"], check=True, stdout=subprocess.DEVNULL
                )
                print(
                    f"round {round_ + 1}: {args.reports} receipts taken in ({taken:.1f} s in "
                    f"one process); filed {filed} cases in {seconds:.1f} s: "
                    f"**{filed / seconds:.1f} cases/s**"
                    + (f", {left} still pending" if left else "")
                    + f"; receipts {statuses.split()}; {cpu.line()}; {loadavg()}",
                    flush=True,
                )
    finally:
        filers.stop()
    print(f"{int(psql(DATABASE, 'SELECT count(*) FROM cases_case')):,} cases at the end")
    connection.close()
    if not args.keep:
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE}")
        remove_folder(env)


if __name__ == "__main__":
    main()
