"""The `zhili` console command: everything manage.py does, under the project's name.

In a checkout where `make demo` has run, the command first reads the settings it wrote
(var/zhili.env: DEBUG off and the demo's own keys), so that `zhili bulletin …` and friends work
with no environment prefix; a variable set in the environment wins over the file, and
ZHILI_ENV_FILE names another file. Tests and the WSGI server never read it.
"""

import os
import sys
from pathlib import Path


def env_file() -> Path:
    named = os.environ.get("ZHILI_ENV_FILE")
    if named:
        return Path(named)
    var = os.environ.get("ZHILI_VAR_DIR") or Path(__file__).resolve().parent.parent / "var"
    return Path(var) / "zhili.env"


def main() -> None:
    from zhili.core.env import read_env_file

    path = env_file()
    if path.is_file():
        read_env_file(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
