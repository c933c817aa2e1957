import pytest

from zhili.exports.tests.helpers import IN_MEMORY_STORAGE


@pytest.fixture(autouse=True)
def files_in_memory(settings):
    """Exported files go to an in-memory store, never to the project's var/ folder."""
    settings.STORAGES = IN_MEMORY_STORAGE
