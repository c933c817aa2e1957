"""Shared by the benchmarks: a scratch database holding the demo city."""

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scratch_env() -> dict:
    """Environment for a fresh SQLite demo database unless DATABASE_URL is given."""
    env = dict(os.environ, DEBUG="true", ALLOWED_HOSTS="testserver,localhost,127.0.0.1")
    if "DATABASE_URL" not in env:
        folder = Path(tempfile.mkdtemp(prefix="zhili-bench-"))
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    return env


def zhili(env: dict, *args: str) -> None:
    subprocess.run(
        [str(Path(sys.executable).parent / "zhili"), *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
