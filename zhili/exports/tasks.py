"""Building an export in a worker (django-tasks; never a named queue)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from zhili.audit.services import record_audit
from zhili.core import permissions
from zhili.core.errors import Conflict, DomainError, Forbidden
from zhili.core.permissions import SystemActor
from zhili.exports.models import Export, ExportStatus
from zhili.exports.registry import export_kind

log = logging.getLogger(__name__)
WORKER = SystemActor("system:worker")


@task()
def run_export(export_id: int) -> str:
    """Build one queued export as its requester may see the data now, and store the file.

    The requester's right is checked again here: one who lost it since asking gets a
    failed export and no file. A job delivered twice builds the file once. Returns the
    export's final status.
    """
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    try:
        export.advance(ExportStatus.RUNNING, started_at=timezone.now())
    except Conflict:  # already taken by another worker, or finished
        return export.status
    actor = export.requested_by  # fresh from the database: grants are read as they are now
    with translation.override(export.language or settings.LANGUAGE_CODE):
        try:
            spec = export_kind(export.kind)
            if not actor.is_active:
                raise Forbidden()
            permissions.require(actor, spec.cap)
            built = spec.build(actor, export.params)
            # Stored through the default storage: a local folder, or an S3-compatible bucket.
            export.file.save(built.filename, ContentFile(built.content), save=False)
        except DomainError as exc:
            _fail(export, str(exc.message))
            return export.status
        except Exception:  # a bug or a storage outage: the user hears, the log keeps the trace
            log.exception("export %s could not be built", export.pk)
            _fail(export, _("The export could not be prepared; please try again later."))
            raise
        try:
            with transaction.atomic():
                export.advance(
                    ExportStatus.DONE,
                    file=export.file.name,
                    filename=built.filename,
                    row_count=built.row_count,
                    finished_at=timezone.now(),
                )
                record_audit(
                    actor=WORKER,
                    action="export.done",
                    obj=export,
                    changes={"rows": [None, built.row_count]},
                )
        except Conflict:  # stopped meanwhile (by an operator): keep no orphan file
            export.file.delete(save=False)
            return ExportStatus.FAILED
    return export.status


@transaction.atomic
def _fail(export: Export, message: str) -> None:
    export.advance(ExportStatus.FAILED, error=message, finished_at=timezone.now())
    record_audit(actor=WORKER, action="export.fail", obj=export, changes={"error": [None, message]})


@task()
def tidy_exports() -> dict:
    """Housekeeping: delete files kept longer than EXPORT_KEEP_DAYS (the row stays, as
    history), and fail exports a worker took and never finished (it died) or that waited a
    day for a worker."""
    now = timezone.now()
    removed = 0
    keep = dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    old = Export.objects.filter(status=ExportStatus.DONE, finished_at__lt=now - keep)
    for export in old.exclude(file=""):
        export.file.delete(save=True)
        removed += 1
    stuck = Export.objects.filter(
        Q(status=ExportStatus.RUNNING, started_at__lt=now - dt.timedelta(hours=1))
        | Q(status=ExportStatus.QUEUED, created_at__lt=now - dt.timedelta(days=1))
    )
    failed = 0
    for export in stuck:
        try:
            with translation.override(export.language or settings.LANGUAGE_CODE):
                _fail(export, _("The export could not be prepared; please try again later."))
        except Conflict:  # finished meanwhile
            continue
        failed += 1
    return {"files_removed": removed, "stuck_failed": failed}
