from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from zhili.audit.models import AuditRecord
from zhili.core import permissions
from zhili.core.permissions import ROLE_CAPS, Cap
from zhili.core.personal import mask_name

# Roles that make an account a member of the public (they only report): their names are
# personal data, shown whole only to those who may see personal data over the place.
PUBLIC_ROLES = frozenset(role for role, caps in ROLE_CAPS.items() if caps <= {Cap.CASES_REPORT})
STAFF_ROLES = frozenset(ROLE_CAPS) - PUBLIC_ROLES


def trail_for(actor, obj, place_path: str, limit: int = 50) -> list[AuditRecord] | None:
    """The object's audit trail, newest first, or None if the actor may not see it here;
    each record's `actor_name` says who acted (name_actors)."""
    if not permissions.can(actor, Cap.AUDIT_VIEW, place_path):
        return None
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    records = AuditRecord.objects.filter(content_type=ct, object_id=str(obj.pk))
    return name_actors(actor, list(_with_actors(records)[:limit]))


def recent_for(actor, limit: int = 10) -> list[AuditRecord]:
    """The latest records in the actor's area (辖区最近变更), each with `actor_name`."""
    records = permissions.scope_filter(
        _with_actors(AuditRecord.objects.all()), actor, Cap.AUDIT_VIEW, "place_path"
    )
    return name_actors(actor, list(records[:limit]))


def _with_actors(records):
    """With each record's account and person, and whether the account holds any role beyond
    the public's (in the same query: the trails' query counts stay flat)."""
    staff = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(role_grants__role__in=STAFF_ROLES), pk=OuterRef("actor_id")
    )
    return records.select_related("content_type", "actor", "actor__person").annotate(
        actor_is_staff=Exists(staff)
    )


def name_actors(viewer, records: list[AuditRecord]) -> list[AuditRecord]:
    """Set each record's `actor_name`: the account's full name (or its person's name), not
    its log-in; a member of the public's name masked (王**) unless the viewer may see
    personal data over the record's place; 系统 for command-line and scheduled work."""
    for record in records:
        account = record.actor
        if account is None:
            record.actor_name = _("the system")
            continue
        person = account.person
        name = account.full_name or (person.name if person else "") or account.get_username()
        if not record.actor_is_staff and not permissions.can(
            viewer, Cap.PEOPLE_PERSONAL, record.place_path
        ):
            name = mask_name(name)
        record.actor_name = name
    return records
