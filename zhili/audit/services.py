"""Writing the audit trail. Every domain service calls `record_audit` inside its transaction."""

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from zhili.audit.models import AuditRecord


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """The current values of `fields`, for comparing before and after a write."""
    return {name: getattr(instance, name) for name in fields}


def changes_between(
    before: dict, after: dict, *, masks: dict[str, Callable[[str], str]] | None = None
) -> dict:
    """{field: [old, new]} for the fields that differ; personal data is masked via `masks`."""
    masks = masks or {}
    result = {}
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        mask = masks.get(name)
        if mask:
            old, new = (mask(old) if old else old), (mask(new) if new else new)
        result[name] = [_plain(old), _plain(new)]
    return result


def audit_row(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, place_path: str = ""
) -> AuditRecord:
    """One audit record, not saved yet (record_audit and record_audits write it)."""
    user = actor if getattr(actor, "pk", None) is not None else None
    label = actor.get_username() if actor is not None else "system"
    return AuditRecord(
        actor=user,
        actor_label=label,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        place_path=place_path,
        changes=changes or {},
    )


def record_audit(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, place_path: str = ""
) -> AuditRecord:
    """Append one audit record. `actor` is a user, or a SystemActor for command-line work."""
    record = audit_row(actor=actor, action=action, obj=obj, changes=changes, place_path=place_path)
    record.save()
    return record


def record_audits(records: list[AuditRecord]) -> list[AuditRecord]:
    """Append many audit records (built with audit_row) in one statement: a batch of acts
    written together (the intake's batch filer)."""
    return AuditRecord.objects.bulk_create(records) if records else []
