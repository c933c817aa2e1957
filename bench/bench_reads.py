"""Reads on the demo city, in-process (no HTTP): locating points, and the pages a dispatcher
and a community secretary open most, with their query counts.

    .venv/bin/python bench/bench_reads.py
"""

import os
import random
import statistics
import sys
import time

from _setup import ROOT, machine, scratch_env, zhili

N_POINTS = 5000
N_PAGES = 50


def main() -> None:
    env = scratch_env()
    zhili(env, "migrate", "--no-input", "-v0")
    zhili(env, "demo")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zhili.places.models import Place
    from zhili.places.selectors import locate_point

    city = Place.objects.get(parent__isnull=True)
    rng = random.Random(1)
    points = [
        (rng.uniform(city.min_lon, city.max_lon), rng.uniform(city.min_lat, city.max_lat))
        for _ in range(N_POINTS)
    ]
    grids = Place.objects.filter(kind="grid")
    points[: N_POINTS // 2] = [
        (
            g.min_lon + (g.max_lon - g.min_lon) * rng.random(),
            g.min_lat + (g.max_lat - g.min_lat) * rng.random(),
        )
        for g in rng.choices(list(grids), k=N_POINTS // 2)
    ]
    started = time.perf_counter()
    found = sum(1 for lon, lat in points if locate_point(lon, lat) is not None)
    per_call = (time.perf_counter() - started) / N_POINTS * 1e6
    print(machine())
    print(f"database: {connection.vendor}")
    print(
        f"locate_point: {per_call:.0f} µs per point over {N_POINTS} points ({found} inside a place)"
    )

    from django.contrib.auth import get_user_model

    for username, path in [
        ("dispatcher", "/"),
        ("dispatcher", "/people/"),
        ("secretary", "/"),
        ("secretary", "/people/"),
        ("coordinator", "/"),
        ("admin", "/"),
    ]:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        client.get(path)  # warm up
        times = []
        for _ in range(N_PAGES):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(
            f"GET {path:<9} as {username:<11} median {statistics.median(times):6.1f} ms, "
            f"max {max(times):6.1f} ms, {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
