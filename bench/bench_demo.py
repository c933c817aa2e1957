"""How long `zhili demo` takes: a fresh build, and a second run on a built database.

.venv/bin/python bench/bench_demo.py
"""

import time

from _setup import machine, scratch_env, zhili


def main() -> None:
    env = scratch_env()
    zhili(env, "migrate", "--no-input", "-v0")
    started = time.perf_counter()
    zhili(env, "demo")
    fresh = time.perf_counter() - started
    started = time.perf_counter()
    zhili(env, "demo")
    again = time.perf_counter() - started
    print(machine())
    print(f"database: {env['DATABASE_URL'].split(':', 1)[0]}")
    print(f"zhili demo, fresh database:  {fresh:.2f} s (process start included)")
    print(f"zhili demo, already built:   {again:.2f} s")


if __name__ == "__main__":
    main()
