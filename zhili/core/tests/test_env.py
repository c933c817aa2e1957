"""Settings from the environment: a value the parser does not understand stops the start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from zhili.core.env import env_bool, env_choice, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", " on "])
def test_a_true_word_reads_as_true(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_FLAG", raw)
    assert env_bool("ZHILI_TEST_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF"])
def test_a_false_word_reads_as_false(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_FLAG", raw)
    assert env_bool("ZHILI_TEST_FLAG", True) is False


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y", "   "])
def test_a_misspelt_boolean_is_an_error_not_false(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="ZHILI_TEST_FLAG"):
        env_bool("ZHILI_TEST_FLAG", False)


def test_an_unset_or_empty_boolean_takes_the_default(monkeypatch):
    monkeypatch.delenv("ZHILI_TEST_FLAG", raising=False)
    assert env_bool("ZHILI_TEST_FLAG", True) is True
    monkeypatch.setenv("ZHILI_TEST_FLAG", "")
    assert env_bool("ZHILI_TEST_FLAG", False) is False


def test_an_integer_is_read_and_checked_against_its_minimum(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_INT", " 15 ")
    assert env_int("ZHILI_TEST_INT", 5, minimum=1) == 15
    monkeypatch.setenv("ZHILI_TEST_INT", "1")
    assert env_int("ZHILI_TEST_INT", 5, minimum=1) == 1
    monkeypatch.setenv("ZHILI_TEST_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("ZHILI_TEST_INT", 5, minimum=1)


@pytest.mark.parametrize("raw", ["fifteen", "1.5", "15min"])
def test_a_non_integer_is_an_error(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured, match="ZHILI_TEST_INT"):
        env_int("ZHILI_TEST_INT", 5)


def test_an_unset_integer_takes_the_default(monkeypatch):
    monkeypatch.delenv("ZHILI_TEST_INT", raising=False)
    assert env_int("ZHILI_TEST_INT", 25) == 25


def test_a_list_is_split_on_commas_and_blanks_dropped(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_LIST", " zhili.example.cn, 10.0.0.5 ,,")
    assert env_list("ZHILI_TEST_LIST", ["localhost"]) == ["zhili.example.cn", "10.0.0.5"]


def test_an_unset_list_gives_a_copy_of_the_default(monkeypatch):
    monkeypatch.delenv("ZHILI_TEST_LIST", raising=False)
    default = ["localhost"]
    hosts = env_list("ZHILI_TEST_LIST", default)
    hosts.append("evil.example")
    assert default == ["localhost"]


def test_a_choice_outside_the_allowed_values_is_an_error(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_CHOICE", "redis")
    assert env_choice("ZHILI_TEST_CHOICE", "locmem", ("locmem", "redis")) == "redis"
    monkeypatch.setenv("ZHILI_TEST_CHOICE", "memcached")
    with pytest.raises(ImproperlyConfigured, match="locmem, redis"):
        env_choice("ZHILI_TEST_CHOICE", "locmem", ("locmem", "redis"))
    monkeypatch.delenv("ZHILI_TEST_CHOICE")
    assert env_choice("ZHILI_TEST_CHOICE", "locmem", ("locmem", "redis")) == "locmem"


def test_a_required_string_must_be_set_and_not_empty(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_STR", "")
    with pytest.raises(ImproperlyConfigured, match="ZHILI_TEST_STR"):
        env_str("ZHILI_TEST_STR", required=True)
    monkeypatch.delenv("ZHILI_TEST_STR")
    with pytest.raises(ImproperlyConfigured, match="ZHILI_TEST_STR"):
        env_str("ZHILI_TEST_STR", required=True)
    assert env_str("ZHILI_TEST_STR", "fallback") == "fallback"
    monkeypatch.setenv("ZHILI_TEST_STR", "value")
    assert env_str("ZHILI_TEST_STR", required=True) == "value"


# --- The real settings module, started as a deployment starts it ---------------------------

_OURS = (
    "DEBUG",
    "SECRET_KEY",
    "PERSONAL_DATA_KEYS",
    "PERSONAL_DATA_INDEX_KEY",
    "EMAIL_USE_TLS",
    "HTTPS",
    "LOGIN_MAX_FAILURES",
    "TASKS_BACKEND",
    "CACHE_BACKEND",
    "STORAGE_BACKEND",
    "REDIS_URL",
    "DATABASE_URL",
)
_FERNET_KEY = Fernet.generate_key().decode()


def _start(**env) -> subprocess.CompletedProcess:
    """Load zhili.settings in a fresh interpreter with exactly these variables of ours."""
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    clean.update(DJANGO_SETTINGS_MODULE="zhili.settings", DATABASE_URL="sqlite:///:memory:", **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print('DEBUG', settings.DEBUG)",
        ],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_with_a_misspelt_debug():
    result = _start(DEBUG="ture")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG='ture'" in result.stderr


def test_settings_refuse_a_misspelt_boolean_further_down():
    result = _start(DEBUG="true", EMAIL_USE_TLS="maybe")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS='maybe'" in result.stderr


def test_production_settings_need_a_secret_key_and_personal_data_keys():
    no_secret = _start(DEBUG="false")
    assert no_secret.returncode != 0
    assert "SECRET_KEY" in no_secret.stderr

    no_keys = _start(DEBUG="false", SECRET_KEY="s" * 50)
    assert no_keys.returncode != 0
    assert "PERSONAL_DATA_KEYS" in no_keys.stderr

    complete = _start(
        DEBUG="false",
        SECRET_KEY="s" * 50,
        PERSONAL_DATA_KEYS=_FERNET_KEY,
        PERSONAL_DATA_INDEX_KEY="index-key",
    )
    assert complete.returncode == 0, complete.stderr
    assert complete.stdout.strip() == "DEBUG False"


def test_settings_refuse_a_lockout_threshold_below_one():
    result = _start(DEBUG="true", LOGIN_MAX_FAILURES="0")
    assert result.returncode != 0
    assert "LOGIN_MAX_FAILURES=0 must be at least 1" in result.stderr


def test_redis_cache_needs_a_redis_url():
    result = _start(DEBUG="true", CACHE_BACKEND="redis")
    assert result.returncode != 0 and "REDIS_URL" in result.stderr


@pytest.mark.redis
def test_redis_cache_and_cached_sessions_work_against_a_real_redis():
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide REDIS_URL")
        pytest.skip("REDIS_URL is not set")
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    clean.update(
        DJANGO_SETTINGS_MODULE="zhili.settings",
        DATABASE_URL="sqlite:///:memory:",
        DEBUG="true",
        CACHE_BACKEND="redis",
        REDIS_URL=redis_url,
    )
    code = (
        "import django; django.setup(); from django.conf import settings;"
        " from django.core.cache import cache; cache.set('zhili-test', '乐平', 30);"
        " print(settings.SESSION_ENGINE, cache.get('zhili-test'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.sessions.backends.cached_db", "乐平"]
