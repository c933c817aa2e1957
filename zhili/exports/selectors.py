"""Reads of exports: a user sees only the exports they asked for."""

from django.db.models import QuerySet

from zhili.core.errors import NotFound
from zhili.exports.models import Export


def exports_for(actor) -> QuerySet[Export]:
    if getattr(actor, "pk", None) is None:
        return Export.objects.none()
    return Export.objects.filter(requested_by=actor)


def access_export(actor, export_id) -> Export:
    """The actor's own export; anyone else's answers exactly as a missing one (NotFound)."""
    try:
        return exports_for(actor).get(pk=export_id)
    except (Export.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
