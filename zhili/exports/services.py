"""Asking for an export: the one write a user makes here. The file is built by a background
task (zhili.exports.tasks.run_export), never in the request."""

from functools import partial

from django.db import IntegrityError, transaction
from django.utils import translation

from zhili.audit.services import record_audit
from zhili.core import permissions
from zhili.exports.models import Export
from zhili.exports.registry import export_kind
from zhili.exports.tasks import run_export


def request_export(*, actor, kind: str, params: dict, idempotency_key: str = "") -> Export:
    """Queue an export of `kind` with `params` for `actor`, to be built by a worker.

    Who may: whoever holds the kind's capability somewhere; the kind narrows the rows to
    the actor's area when it runs, and the worker checks the right again then. A second
    request with the same idempotency key (a retried or doubled form) returns the export
    the first one made, and queues nothing. Raises Forbidden, InvalidInput (unknown kind).
    """
    spec = export_kind(kind)
    permissions.require(actor, spec.cap)
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = Export.objects.filter(requested_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            export = Export(
                requested_by=actor,
                kind=kind,
                idempotency_key=key,
                summary=spec.describe(params)[:200],
                language=translation.get_language() or "",
            )
            export.params = params
            export.save()
            record_audit(
                actor=actor,
                action="export.request",
                obj=export,
                changes={"kind": [None, kind], "parameters": [None, export.summary]},
            )
            # After the commit, so that a worker on another connection finds the row.
            transaction.on_commit(partial(run_export.enqueue, export.pk))
    except IntegrityError:  # the same key submitted twice at the same moment
        return Export.objects.get(requested_by=actor, idempotency_key=key)
    return export
