"""Exporting as a user does it: ask on a page, let a worker build the file, download it."""

import io
import re

from openpyxl import load_workbook

from zhili.exports.models import Export
from zhili.exports.tasks import run_export

IN_MEMORY_STORAGE = {
    # No local path: what works here works on an S3-compatible store too.
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def export_of(response) -> Export:
    """The export a request was sent on to (/exports/<id>/)."""
    assert response.status_code == 302, response.status_code
    found = re.fullmatch(r"/exports/(\d+)/", response["Location"])
    assert found, response["Location"]
    return Export.objects.get(pk=found[1])


def work(export: Export) -> Export:
    """Do what a worker does with the queued job (the task's own code, in this process)."""
    run_export.call(export.pk)
    export.refresh_from_db()
    return export


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def sheet_rows(content: bytes) -> list[tuple]:
    """Every row of the workbook's first sheet, the header first."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def export_through_the_pages(client, data: dict | None = None) -> list[tuple]:
    """Ask for the registry export on its page, run the job, download; the sheet's rows."""
    export = work(export_of(client.post("/people/export/", data or {})))
    return sheet_rows(downloaded(client.get(f"/exports/{export.pk}/download")))
