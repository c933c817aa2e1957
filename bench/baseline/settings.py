"""Zhili's settings plus the baseline's app and URL (DJANGO_SETTINGS_MODULE=baseline.settings,
with bench/ on the Python path)."""

from zhili.settings import *  # noqa: F403
from zhili.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "baseline"]
ROOT_URLCONF = "baseline.urls"
