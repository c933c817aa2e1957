from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from zhili.audit.models import AuditRecord
from zhili.core import permissions
from zhili.core.permissions import Cap


def trail_for(actor, obj, place_path: str, limit: int = 50) -> QuerySet[AuditRecord] | None:
    """The object's audit trail, newest first, or None if the actor may not see it here."""
    if not permissions.can(actor, Cap.AUDIT_VIEW, place_path):
        return None
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditRecord.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related(
        "content_type"
    )[:limit]


def recent_for(actor, limit: int = 10) -> QuerySet[AuditRecord]:
    return permissions.scope_filter(
        AuditRecord.objects.select_related("content_type"), actor, Cap.AUDIT_VIEW, "place_path"
    )[:limit]
