"""How long one month's bulletin takes (department_figures, median of 7 after one warm-up
run), on the database named by DATABASE_URL, loaded by bench/gen_cases.py; prints the figures,
each query's time, and the share of the CPU other people's processes took meanwhile (it waits
for a quiet machine first: 1-minute load average below 1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhili_bench1m \\
        .venv/bin/python bench/bench_bulletin.py [YYYY-MM]
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from _serve import CpuShare, loadavg, wait_for_quiet
    from _setup import machine
    from django.db import connection

    from zhili.bulletins.metrics import department_figures
    from zhili.cases.models import Case, CaseTask
    from zhili.places.models import Place

    month = sys.argv[1] if len(sys.argv) > 1 else "2026-10"
    start = dt.date.fromisoformat(f"{month}-01")
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    city = Place.objects.get(parent__isnull=True)
    print(machine())
    print(
        f"database: {connection.vendor}, {Case.objects.count():,} cases, "
        f"{CaseTask.objects.count():,} tasks"
    )

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - began, sql[:90]))

    wait_for_quiet()
    department_figures(start=start, end=end, place=city)  # warm-up: caches, calendar
    durations = []
    with CpuShare(connection.settings_dict["NAME"]) as cpu:
        for _run in range(RUNS):
            timings.clear()
            began = time.perf_counter()
            with connection.execute_wrapper(timed):
                bulletin = department_figures(start=start, end=end, place=city)
            durations.append(time.perf_counter() - began)
    print(f"queries of the last run ({len(timings)}):")
    for seconds, sql in timings:
        print(f"  {seconds * 1000:7.1f} ms  {sql}")
    median = statistics.median(durations)
    runs = ", ".join(f"{d:.3f}" for d in durations)
    print(f"department_figures {start} – {end}, {city.name}: median {median:.3f} s ({runs})")
    print(f"{cpu.line()}; finished at {loadavg()}")
    print(
        f"{'dept':8} {'disp':>7} {'due':>7} {'on time':>7} {'overdue':>7} {'closed':>7} "
        f"{'rated':>6} {'take h':>6} {'hdl h':>6} {'score':>6} grade rank"
    )
    for f in bulletin.departments:
        print(
            f"{f.department.short_name:8} {f.dispatched:7} {f.due:7} {f.handled_on_time:7} "
            f"{f.overdue_unhandled:7} {f.closed:7} {f.rated:6} {f.mean_take_hours or '—':>6} "
            f"{f.mean_handle_hours or '—':>6} {f.score or '—':>6} {f.grade or '—':5} "
            f"{f.rank or '—'}"
        )
    print(
        "red:",
        [f.department.short_name for f in bulletin.red_list],
        "black:",
        [f.department.short_name for f in bulletin.black_list],
    )
    print("totals:", vars(bulletin.totals))


if __name__ == "__main__":
    main()
