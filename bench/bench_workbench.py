"""The centre's workbench, first page (zhili.cases.views.workbench: the queue's filters, the
area's open cases most urgent first with their count, and the map's points), for the city's
dispatcher over 100,000 open cases, on PostgreSQL with DEBUG off: in-process through
Django's test client, and over HTTP through gunicorn. Median of 30 after 5 warm-up requests,
with the query count and each query's time.

    .venv/bin/python bench/bench_workbench.py [--open N] [--on DATABASE] [--keep]

Builds the database zhili_bench_wb afresh (`zhili migrate`, `zhili demo`, then
`bench/gen_cases.py --open N` loads N open cases by COPY) and drops it at the end unless
--keep. With --on, zhili_bench_wb starts as a copy of DATABASE instead of the bare demo city
(e.g. the million cases of bench/gen_cases.py, built with DEBUG on as its instructions say),
and the open cases come on top.
Waits for the machine to be quiet (1-minute load average below 1) before timing.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
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
    zhili,
)

DATABASE = "zhili_bench_wb"
RUNS, WARM_UP = 30, 5
PATH = "/cases/"


def summary(durations: list[float]) -> str:
    ms = sorted(d * 1000 for d in durations)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    return (
        f"median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, "
        f"min {ms[0]:.1f} ms, max {ms[-1]:.1f} ms ({len(ms)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--on", metavar="DATABASE")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    env = production_env(DATABASE)
    began = time.perf_counter()
    if args.on:
        use_debug_keys(env)  # the template was built with DEBUG on
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE}")
        psql("postgres", f"CREATE DATABASE {DATABASE} TEMPLATE {args.on}")
        zhili(env, "migrate")
        zhili(env, "collectstatic", "--no-input")
    else:
        fresh_demo_database(DATABASE, env)
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_cases.py"), "--open", str(args.open)],
        env=env,
        check=True,
        cwd=ROOT,
    )
    print(f"database built in {time.perf_counter() - began:.0f} s")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    import django

    django.setup()
    from _setup import machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zhili.cases.models import OPEN_STATUSES, Case
    from zhili.people.models import User

    print(machine())
    print(
        f"database: {connection.vendor} {connection.pg_version // 10000}, "
        f"{Case.objects.count():,} cases, "
        f"{Case.objects.filter(status__in=OPEN_STATUSES).count():,} open"
    )
    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    wait_for_quiet()

    for _ in range(WARM_UP):
        assert client.get(PATH).status_code == 200
    durations = []
    with CpuShare(DATABASE) as cpu:
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(PATH)
                durations.append(time.perf_counter() - started)
            assert response.status_code == 200
    body = response.content.decode()
    shown = body.count('data-testid="queue-row"')
    print(f"in-process (test client): {summary(durations)}; {cpu.line()}")
    print(f"  {len(queries)} queries, {shown} rows on the page, {len(body):,} bytes; last run:")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")

    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with Gunicorn(env, port=8931, workers=2) as server:

        def get() -> float:
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", 8931, timeout=30)
            conn.request("GET", PATH, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            answer = conn.getresponse()
            answer.read()
            conn.close()
            assert answer.status == 200, answer.status
            return time.perf_counter() - started

        for _ in range(WARM_UP):
            get()
        with CpuShare(DATABASE) as cpu:
            durations = [get() for _ in range(RUNS)]
        print(f"over HTTP ({server.describe}, one client): {summary(durations)}; {cpu.line()}")
    print(f"finished at {loadavg()}")
    connection.close()
    if not args.keep:
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE}")
        remove_folder(env)


if __name__ == "__main__":
    main()
