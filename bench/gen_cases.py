"""Load N cases (default 1,000,000) with their department tasks into the database named by
DATABASE_URL, spread over the 12 months to 30 November 2026 across the demo city's grids,
departments and categories. PostgreSQL COPY (psycopg), one stream per table.

    createdb -h 127.0.0.1 -U postgres zhili_bench1m
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhili_bench1m
    .venv/bin/zhili migrate && .venv/bin/zhili demo
    .venv/bin/python bench/gen_cases.py [N]

`gen_cases.py --open N` loads N cases that are all still open instead (the workbench's
queue, bench/bench_workbench.py): reported over the 30 days before now, each with its point
in its grid, its current step and deadline (a third of them overdue) and its live tasks.

The rows are synthetic but shaped like a real year (docs/metrics.md's cohorts all occur):
3 % rejected, 1 % voided, 1 % on hold; of the dispatched, 20 % with a co-department, 3 % of
orders returned, 12 % taken late, 15 % handled late, 5 % reworked, 3 % extended; the last
fortnight still open; 70 % of closed cases rated (80 % 满意, 15 % 基本满意, 5 % 不满意).
Columns added to the models later are filled with their model defaults.
"""

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
END = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
START = END - dt.timedelta(days=365)
HOUR = dt.timedelta(hours=1)


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Copier:
    """COPY rows of one model: the given columns, every other column at its model default."""

    def __init__(self, model, given: list[str]):
        from django.db import connection

        self.model = model
        fields = list(model._meta.concrete_fields)
        self.given = given
        self.rest = [f for f in fields if f.attname not in given]
        self.constants = []
        for f in self.rest:
            value = f.get_default()
            self.constants.append(f.get_db_prep_save(value, connection))
        self.columns = given + [f.column for f in self.rest]

    def sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.model._meta.db_table}" ({cols}) FROM STDIN'


def main() -> None:
    setup()
    if sys.argv[1:2] == ["--open"]:
        load_open(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
        return
    from django.db import connection, transaction

    from zhili.cases.models import Case, CaseTask, Category
    from zhili.orgs.models import Department
    from zhili.places.models import Place

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20261126)
    grids = list(Place.objects.filter(kind="grid").values_list("id", "path"))
    departments = list(Department.objects.filter(is_active=True).values_list("id", flat=True))
    categories = list(Category.objects.values_list("id", flat=True))
    if not (grids and departments and categories):
        sys.exit("Run `zhili migrate` and `zhili demo` on this database first.")
    first_case = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_task = (CaseTask.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    case_cols = [
        "id",
        "number",
        "category_id",
        "urgency",
        "description",
        "place_id",
        "place_path",
        "channel",
        "status",
        "reported_at",
        "accepted_at",
        "closed_at",
        "rework_count",
        "rating",
        "rated_at",
    ]
    task_cols = [
        "id",
        "case_id",
        "department_id",
        "role",
        "status",
        "dispatched_at",
        "take_deadline",
        "taken_at",
        "handle_deadline",
        "handled_at",
        "returned_at",
        "rework_count",
        "extension_count",
        # The case's facts each task carries (zhili.cases.models.case_facts).
        "case_place_path",
        "case_closed_at",
        "case_rating",
        "case_rated_at",
    ]
    cases_copy = Copier(Case, case_cols)
    tasks_copy = Copier(CaseTask, task_cols)
    fresh = END - dt.timedelta(days=14)
    span = (END - START).total_seconds()
    started = time.perf_counter()
    # Tasks and cases go in two passes with the same seed, so that each needs one stream.
    # Cases arrive in time order, as in life: a month's rows lie together on disk.
    spread = random.Random(1)
    moments = sorted(spread.random() for _ in range(n))
    for pass_name in ("cases", "tasks"):
        rng = random.Random(20261126)
        task_id = first_task
        n_tasks = 0
        copier = cases_copy if pass_name == "cases" else tasks_copy
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(copier.sql()) as stream:
                for i in range(n):
                    case_id = first_case + i
                    reported = START + dt.timedelta(seconds=moments[i] * span)
                    grid_id, path = rng.choice(grids)
                    category = rng.choice(categories)
                    roll = rng.random()
                    accepted = reported + 0.5 * HOUR
                    closed_at = rated_at = None
                    rating = ""
                    rework = 0
                    tasks = []
                    if roll < 0.03:
                        status, accepted = "rejected", None
                    elif roll < 0.04:
                        status = "voided"
                    elif roll < 0.05:
                        status = "on_hold"
                    else:
                        lead = rng.choice(departments)
                        depts = [(lead, "lead")]
                        if rng.random() < 0.2:
                            co = rng.choice(departments)
                            if co != lead:
                                depts.append((co, "co"))
                        dispatched = accepted + 0.5 * HOUR
                        all_handled = True
                        for dept, role in depts:
                            take_by = dispatched + 4 * HOUR
                            row = {
                                "dept": dept,
                                "role": role,
                                "dispatched": dispatched,
                                "take_by": take_by,
                                "taken": None,
                                "handle_by": None,
                                "handled": None,
                                "returned": None,
                                "rework": 0,
                                "ext": 0,
                            }
                            if rng.random() < 0.03:
                                row["returned"] = dispatched + rng.random() * 3 * HOUR
                                row["status"] = "returned"
                                tasks.append(row)
                                continue
                            late = rng.random() < 0.12
                            taken = (
                                dispatched
                                + (4 + 20 * rng.random() if late else 3.9 * rng.random()) * HOUR
                            )
                            handle_by = taken + dt.timedelta(days=3)
                            if rng.random() < 0.03:
                                row["ext"] = 1
                                handle_by += dt.timedelta(days=3)
                            if rng.random() < 0.05:
                                row["rework"] = 1
                            slow = rng.random() < 0.15
                            handled = taken + dt.timedelta(
                                days=(3 + 5 * rng.random()) if slow else 2.9 * rng.random()
                            )
                            if taken > END:
                                row["status"] = "dispatched"
                                taken = handle_by = None
                                all_handled = False
                            elif handled > END or reported > fresh and rng.random() < 0.5:
                                row["status"] = "taken"
                                all_handled = False
                            else:
                                row["status"] = "verified"
                                row["handled"] = handled
                            row["taken"], row["handle_by"] = taken, handle_by
                            tasks.append(row)
                        live = [t for t in tasks if t["status"] != "returned"]
                        if not live:
                            status = "accepted"
                        elif all_handled:
                            status = "closed"
                            closed_at = max(t["handled"] for t in live) + dt.timedelta(days=1)
                            rework = max(t["rework"] for t in live)
                            if closed_at > END:
                                status, closed_at = "verified", None
                            elif rng.random() < 0.7:
                                rated_at = closed_at + dt.timedelta(days=1)
                                r = rng.random()
                                rating = (
                                    "satisfied"
                                    if r < 0.8
                                    else "basically"
                                    if r < 0.95
                                    else "dissatisfied"
                                )
                        else:
                            status = "dispatched"
                    if pass_name == "cases":
                        stream.write_row(
                            (
                                case_id,
                                f"B{case_id:012d}",
                                category,
                                "normal",
                                "批量生成的案件",
                                grid_id,
                                path,
                                "courier",
                                status,
                                reported,
                                accepted,
                                closed_at,
                                rework,
                                rating,
                                rated_at,
                                *cases_copy.constants,
                            )
                        )
                    else:
                        for t in tasks:
                            stream.write_row(
                                (
                                    task_id,
                                    case_id,
                                    t["dept"],
                                    t["role"],
                                    t["status"],
                                    t["dispatched"],
                                    t["take_by"],
                                    t["taken"],
                                    t["handle_by"],
                                    t["handled"],
                                    t["returned"],
                                    t["rework"],
                                    t["ext"],
                                    path,
                                    closed_at if status == "closed" else None,
                                    rating,
                                    rated_at,
                                    *tasks_copy.constants,
                                )
                            )
                            task_id += 1
                            n_tasks += 1
        print(f"{pass_name}: done at {time.perf_counter() - started:.1f} s", flush=True)
    finish()
    print(
        f"loaded {n:,} cases and {n_tasks:,} tasks in {time.perf_counter() - started:.1f} s "
        f"({START:%Y-%m-%d} – {END:%Y-%m-%d})"
    )


def finish() -> None:
    """After COPY: the id sequences past the new rows, and fresh planner statistics."""
    from django.db import connection

    from zhili.cases.models import Case, CaseTask

    with connection.cursor() as cursor:
        for model in (Case, CaseTask):
            table = model._meta.db_table
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_casetask")


# An open case's status, how often, and the step its clock is on.
OPEN_MIX = [
    ("reported", 0.08, "accept"),
    ("accepted", 0.07, "dispatch"),
    ("dispatched", 0.65, "take|handle"),
    ("handled", 0.10, "verify"),
    ("verified", 0.05, ""),
    ("on_hold", 0.05, ""),
]


def load_open(n: int) -> None:
    """N open cases reported over the last 30 days, with points, clocks and live tasks."""
    from django.db import connection, transaction
    from django.utils import timezone

    from zhili.cases.models import Case, CaseTask, Category
    from zhili.orgs.models import Department
    from zhili.places.models import Place

    grids = list(
        Place.objects.filter(kind="grid", min_lon__isnull=False).values_list(
            "id", "path", "min_lon", "min_lat", "max_lon", "max_lat"
        )
    )
    departments = list(Department.objects.filter(is_active=True).values_list("id", flat=True))
    categories = list(Category.objects.values_list("id", flat=True))
    if not (grids and departments and categories):
        sys.exit("Run `zhili migrate` and `zhili demo` on this database first.")
    first_case = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_task = (CaseTask.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    case_cols = [
        "id",
        "number",
        "category_id",
        "urgency",
        "description",
        "longitude",
        "latitude",
        "place_id",
        "place_path",
        "channel",
        "status",
        "step",
        "step_deadline",
        "reported_at",
        "accepted_at",
    ]
    task_cols = [
        "id",
        "case_id",
        "department_id",
        "role",
        "status",
        "dispatched_at",
        "take_deadline",
        "taken_at",
        "handle_deadline",
        "handled_at",
        "case_place_path",
    ]
    cases_copy, tasks_copy = Copier(Case, case_cols), Copier(CaseTask, task_cols)
    now = timezone.now()
    rng = random.Random(20261127)
    statuses = [m[0] for m in OPEN_MIX]
    weights = [m[1] for m in OPEN_MIX]
    step_of = {m[0]: m[2] for m in OPEN_MIX}
    started = time.perf_counter()
    rows, tasks = [], []
    task_id = first_task
    for i in range(n):
        case_id = first_case + i
        grid_id, path, x0, y0, x1, y1 = rng.choice(grids)
        status = rng.choices(statuses, weights)[0]
        reported = now - dt.timedelta(days=30 * rng.random() ** 2)
        accepted = None if status == "reported" else reported + 0.5 * HOUR
        # A third of the clocks have run out; the rest run out within the next three days.
        deadline = now + dt.timedelta(hours=rng.uniform(-36, 72))
        step = step_of[status]
        if status in ("dispatched", "handled", "verified"):
            dispatched = accepted + 0.5 * HOUR
            taken = None if status == "dispatched" and rng.random() < 0.3 else dispatched + HOUR
            step = "take" if taken is None else "handle" if status == "dispatched" else step
            task_status = {"dispatched": "taken", "handled": "handled", "verified": "verified"}
            tasks.append(
                (
                    task_id,
                    case_id,
                    rng.choice(departments),
                    "lead",
                    "dispatched" if taken is None else task_status[status],
                    dispatched,
                    dispatched + 4 * HOUR,
                    taken,
                    None if taken is None else taken + dt.timedelta(days=3),
                    None if status == "dispatched" else taken + dt.timedelta(days=1),
                    path,
                )
            )
            task_id += 1
        rows.append(
            (
                case_id,
                f"W{case_id:012d}",
                rng.choice(categories),
                "urgent" if rng.random() < 0.03 else "normal",
                "批量生成的待办案件",
                round(rng.uniform(x0, x1), 6),
                round(rng.uniform(y0, y1), 6),
                grid_id,
                path,
                "courier",
                status,
                step,
                deadline if step else None,
                reported,
                accepted,
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        for copier, values in ((cases_copy, rows), (tasks_copy, tasks)):
            with cursor.cursor.copy(copier.sql()) as stream:
                for row in values:
                    stream.write_row((*row, *copier.constants))
    finish()
    print(
        f"loaded {n:,} open cases and {len(tasks):,} tasks in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
