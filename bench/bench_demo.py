"""How long `zhili demo` takes: a fresh build, and a second run on a built database; wall
time, and the CPU time of the process, which others' work on the machine changes less.

.venv/bin/python bench/bench_demo.py
"""

import resource
import time

from _setup import machine, scratch_env, zhili


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one `zhili demo`."""
    wall, cpu = time.perf_counter(), _cpu()
    zhili(env, "demo")
    return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    env = scratch_env()
    zhili(env, "migrate", "--no-input", "-v0")
    fresh, fresh_cpu = _timed(env)
    again, again_cpu = _timed(env)
    print(machine())
    print(f"load average: {open('/proc/loadavg').read().split()[0]}")
    print(f"database: {env['DATABASE_URL'].split(':', 1)[0]}")
    print(f"zhili demo, fresh database:  {fresh:.2f} s, CPU {fresh_cpu:.2f} s (with start-up)")
    print(f"zhili demo, already built:   {again:.2f} s, CPU {again_cpu:.2f} s")


if __name__ == "__main__":
    main()
