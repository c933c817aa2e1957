"""What one report costs, in one process, without HTTP: the CPU of the Python process and of
its PostgreSQL backend for POST /api/v1/reports (the fast intake, with an API token) and for
the bare view of bench/baseline/, each sent `--requests` times through Django's test client,
in turn, `--rounds` times (the VM's speed drifts; the least of the rounds is the cost, the
median shows the drift). Where bench_intake.py says how fast, this says where the time goes:
the PostgreSQL figure is what the server spent parsing, planning and running the
statements, read from /proc for the backend of this process's connection.

    .venv/bin/python bench/bench_intake.py --keep ...      # builds zhili_bench_intake
    .venv/bin/python bench/bench_intake_cost.py [--requests 400] [--rounds 9]

Uses the database that bench_intake.py --keep left (or --reuse built), with DEBUG off and
Redis as the cache, as bench_intake.py serves it. The receipts it makes are deleted at the end.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _serve import production_env, psql, use_debug_keys  # noqa: E402
from bench_intake import DATABASE, REDIS, courier_token  # noqa: E402

BODY = (
    '{{"category_id": {0}, "description": "井盖缺失，夜间有人险些踩空", "urgency": "normal", '
    '"longitude": 117.2, "latitude": 39.1, "address": "压测"}}'
)


def backend_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    if not psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
        sys.exit(f"no database {DATABASE}: run bench/bench_intake.py --keep first")

    env = production_env(DATABASE)
    env.update(REDIS_URL=REDIS, CACHE_BACKEND="redis", TASKS_BACKEND="rq")
    use_debug_keys(env)
    token = courier_token(env, "bench-cost")
    env["DJANGO_SETTINGS_MODULE"] = "baseline.settings"
    os.environ.update(env)
    import warnings

    warnings.simplefilter("ignore")  # no collected static files: WhiteNoise warns
    import django

    django.setup()
    from _setup import machine
    from django.db import connection
    from django.test import Client

    from zhili.cases.models import Category, Receipt

    category = Category.objects.filter(is_active=True, attributes=[]).order_by("pk").first()
    body = BODY.format(category.pk)
    client = Client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    hz = os.sysconf("SC_CLK_TCK")
    tag = f"cost-{time.time()}"
    sent = [0]

    def intake():
        sent[0] += 1
        return client.post(
            "/api/v1/reports/",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{tag}-{sent[0]}"},
        )

    def baseline():
        return client.post("/baseline/report", body, content_type="application/json")

    kinds = {"intake": (intake, 202), "baseline": (baseline, 201)}
    costs = {name: [] for name in kinds}
    for send, expect in kinds.values():  # warm up: connections, caches, prepared statements
        for _ in range(20):
            assert send().status_code == expect
    print(machine())
    for _ in range(args.rounds):
        for name, (send, expect) in kinds.items():
            backend0, cpu0 = backend_ticks(backend), time.process_time()
            for _ in range(args.requests):
                answer = send()
            python = (time.process_time() - cpu0) / args.requests * 1e6
            database = (backend_ticks(backend) - backend0) / hz / args.requests * 1e6
            assert answer.status_code == expect, answer.content
            costs[name].append((python, database))
    for name, rows in costs.items():
        python = [r[0] for r in rows]
        database = [r[1] for r in rows]
        total = [a + b for a, b in rows]
        print(
            f"{name:8}: Python {min(python):5.0f} µs (median {statistics.median(python):5.0f}), "
            f"PostgreSQL {min(database):4.0f} µs (median {statistics.median(database):4.0f}), "
            f"together {min(total):5.0f} µs (median {statistics.median(total):5.0f}) a report"
        )
    Receipt.objects.filter(idempotency_key__startswith=tag).delete()


if __name__ == "__main__":
    main()
