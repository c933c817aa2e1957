from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.audit.services import changes_between, record_audit, snapshot
from zhili.core import permissions
from zhili.core.errors import InvalidInput
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.places.models import Place

_FIELDS = ("code", "name", "short_name", "jurisdiction", "duty_phone", "description", "is_active")


def _check(values: dict, exclude_pk=None) -> None:
    errors = {}
    for field in ("code", "name", "short_name"):
        if not str(values.get(field) or "").strip():
            errors[field] = [_("This field is required.")]
    others = Department.objects.exclude(pk=exclude_pk)
    if values.get("code") and others.filter(code=values["code"]).exists():
        errors["code"] = [_("Another department has this code.")]
    if values.get("name") and others.filter(name=values["name"]).exists():
        errors["name"] = [_("Another department has this name.")]
    if not isinstance(values.get("jurisdiction"), Place):
        errors["jurisdiction"] = [_("Choose the place this department serves.")]
    # The model's own checks (a slug code, the column lengths), which the database would
    # otherwise enforce with a crash on PostgreSQL rather than a field error.
    try:
        Department(**{f: v for f, v in values.items() if f != "jurisdiction"}).clean_fields(
            exclude=["jurisdiction", *errors]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise InvalidInput(fields=errors)


@transaction.atomic
def create_department(
    *,
    actor,
    code: str,
    name: str,
    short_name: str,
    jurisdiction: Place,
    duty_phone: str = "",
    description: str = "",
) -> Department:
    """Configure a new department. Who may: department managers over its jurisdiction."""
    # A missing jurisdiction is the caller's mistake, reported as a field error by _check.
    permissions.require(
        actor,
        Cap.DEPARTMENTS_MANAGE,
        jurisdiction.path if isinstance(jurisdiction, Place) else None,
    )
    values = {
        "code": code,
        "name": name,
        "short_name": short_name,
        "jurisdiction": jurisdiction,
        "duty_phone": duty_phone,
        "description": description,
    }
    _check(values)
    department = Department.objects.create(**values)
    record_audit(
        actor=actor,
        action="department.create",
        obj=department,
        place_path=jurisdiction.path,
        changes=changes_between({}, snapshot(department, _FIELDS)),
    )
    return department


@transaction.atomic
def update_department(*, actor, department: Department, **values) -> Department:
    """Change a department's settings (any of the fields in _FIELDS)."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    permissions.require(actor, Cap.DEPARTMENTS_MANAGE, department.jurisdiction.path)
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise InvalidInput(fields={f: [_("This field cannot be changed.")] for f in unknown})
    if isinstance(values.get("jurisdiction"), Place):
        # Moving a department needs the right over where it goes, not only where it was.
        permissions.require(actor, Cap.DEPARTMENTS_MANAGE, values["jurisdiction"].path)
    before = snapshot(department, _FIELDS)
    merged = {**before, **values}
    _check(merged, exclude_pk=department.pk)
    for field, value in values.items():
        setattr(department, field, value)
    changes = changes_between(before, snapshot(department, _FIELDS))
    if changes:
        department.save()
        record_audit(
            actor=actor,
            action="department.update",
            obj=department,
            place_path=department.jurisdiction.path,
            changes=changes,
        )
    return department
