"""Writes to the place tree: each a domain act with an acting user, one transaction, audited."""

import json

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.audit.services import changes_between, record_audit, snapshot
from zhili.core import permissions
from zhili.core.errors import InvalidInput
from zhili.core.permissions import Cap
from zhili.places import geo
from zhili.places.models import ALLOWED_PARENT, CODE_LENGTH, Place, PlaceKind

_AUDITED_FIELDS = ("kind", "code", "name", "parent", "boundary")


def _describe_boundary(geometry: dict) -> str:
    # The audit trail records that a boundary changed, not thousands of coordinates.
    return f"{geometry.get('type')} {geo.bbox(geometry)}"


_MASKS = {"boundary": _describe_boundary}


def _check_place(kind: str, code: str, name: str, parent: Place | None, boundary) -> dict:
    """Field errors for one place, as {field: [messages]} (empty when all is well)."""
    errors: dict[str, list] = {}
    if kind not in PlaceKind.values:
        errors["kind"] = [_("Unknown kind of place: %(kind)s.") % {"kind": kind}]
        return errors
    length = CODE_LENGTH[kind]
    if not (isinstance(code, str) and code.isdigit() and len(code) == length):
        errors["code"] = [
            _("A %(kind)s code has %(n)d digits.") % {"kind": PlaceKind(kind).label, "n": length}
        ]
    if not name or not str(name).strip():
        errors["name"] = [_("A place needs a name.")]
    else:
        # Too long for the column: on PostgreSQL a crash, not an error, if left to the database.
        try:
            MaxLengthValidator(Place._meta.get_field("name").max_length)(str(name).strip())
        except ValidationError as exc:
            errors["name"] = list(exc.messages)
    wanted_parent = ALLOWED_PARENT[kind]
    if wanted_parent is None and parent is not None:
        errors["parent"] = [_("A city sits at the top of the tree and has no parent.")]
    elif wanted_parent is not None:
        if parent is None:
            errors["parent"] = [
                _("A %(kind)s must sit under a %(parent)s.")
                % {"kind": PlaceKind(kind).label, "parent": PlaceKind(wanted_parent).label}
            ]
        elif parent.kind != wanted_parent:
            errors["parent"] = [
                _("A %(kind)s must sit under a %(parent)s, not a %(got)s.")
                % {
                    "kind": PlaceKind(kind).label,
                    "parent": PlaceKind(wanted_parent).label,
                    "got": PlaceKind(parent.kind).label,
                }
            ]
        elif "code" not in errors and not code.startswith(parent.code):
            errors["code"] = [
                _("The code must begin with its parent's code %(code)s.") % {"code": parent.code}
            ]
    if boundary is not None:
        try:
            geo.validate_geometry(boundary)
        except geo.GeometryError as exc:
            errors["boundary"] = [str(exc)]
    return errors


def _insert(*, actor, action: str, kind, code, name, parent, boundary) -> Place:
    place = Place(kind=kind, code=code, name=name.strip(), parent=parent, boundary=boundary)
    place.set_tree_fields()
    place.set_bbox()
    place.save()
    record_audit(
        actor=actor,
        action=action,
        obj=place,
        place_path=place.path,
        changes=changes_between({}, snapshot(place, _AUDITED_FIELDS), masks=_MASKS),
    )
    return place


def _amend(*, actor, action: str, place: Place, name: str, boundary) -> bool:
    """Apply a new name and boundary; save and audit only if something changed."""
    before = snapshot(place, _AUDITED_FIELDS)
    place.name, place.boundary = name.strip(), boundary
    place.set_bbox()
    changes = changes_between(before, snapshot(place, _AUDITED_FIELDS), masks=_MASKS)
    if changes:
        place.save()
        record_audit(actor=actor, action=action, obj=place, place_path=place.path, changes=changes)
    return bool(changes)


@transaction.atomic
def create_place(
    *, actor, kind: str, code: str, name: str, parent: Place | None, boundary: dict | None = None
) -> Place:
    """Add a place to the tree. Who may: managers of places over the parent. Raises
    InvalidInput (field errors) or Forbidden."""
    if parent is not None:
        where = parent.path
    elif kind == PlaceKind.CITY:
        where = "/"
    else:
        where = None  # a missing parent is the caller's mistake, reported as a field error
    permissions.require(actor, Cap.PLACES_MANAGE, where)
    errors = _check_place(kind, code, name, parent, boundary)
    if not errors and Place.objects.filter(code=code).exists():
        errors["code"] = [_("The code %(code)s is already in use.") % {"code": code}]
    if errors:
        raise InvalidInput(fields=errors)
    return _insert(
        actor=actor,
        action="place.create",
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        boundary=boundary,
    )


@transaction.atomic
def update_place(
    *, actor, place: Place, name: str | None = None, boundary: dict | None = None
) -> Place:
    """Rename a place or replace its boundary (code and position in the tree stay)."""
    place = Place.objects.select_for_update().get(pk=place.pk)
    permissions.require(actor, Cap.PLACES_MANAGE, place.path)
    new_name = place.name if name is None else name
    new_boundary = place.boundary if boundary is None else boundary
    errors = _check_place(place.kind, place.code, new_name, place.parent, new_boundary)
    if errors:
        raise InvalidInput(fields=errors)
    _amend(actor=actor, action="place.update", place=place, name=new_name, boundary=new_boundary)
    return place


def _kind_for(props: dict) -> str | None:
    kind = props.get("kind")
    if kind:
        # Anything but a string is reported as an unknown kind, not allowed to crash a lookup.
        return kind if isinstance(kind, str) else repr(kind)
    code = str(props.get("code") or "")
    return {
        6: PlaceKind.CITY,
        9: PlaceKind.STREET,
        12: PlaceKind.COMMUNITY,
        15: PlaceKind.GRID,
    }.get(len(code))


def parse_feature_collection(raw: bytes | str) -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(fields={"file": [_("The file is not valid JSON.")]}) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InvalidInput(fields={"file": [_("The file must be a GeoJSON FeatureCollection.")]})
    return data


@transaction.atomic
def import_places(*, actor, collection: dict) -> dict:
    """Create or update places from a GeoJSON FeatureCollection, all or nothing.

    Each feature has properties `code`, `name`, optional `kind` (else read from the code's
    length) and `parent` (a code, from the file or already in the tree; else the code's
    prefix). Parents may come later in the file than their children. Returns counts.
    Raises InvalidInput with errors keyed `features[N].field`, and changes nothing then.
    Who may: managers of places over every parent (and place) the file touches; a new city
    needs the operator at the shell. Raises Forbidden otherwise, and changes nothing then.
    """
    permissions.require(actor, Cap.PLACES_MANAGE)
    errors: dict[str, list] = {}
    rows = []
    in_file: dict[str, tuple] = {}
    failed: set[str] = set()  # codes whose feature has errors (their children wait silently)
    for index, feature in enumerate(collection.get("features", [])):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            errors[where] = [_("A feature needs a properties object.")]
            continue
        props = feature["properties"]
        code = str(props.get("code") or "").strip()
        kind = _kind_for(props)
        parent_code = str(props.get("parent") or "").strip() or None
        if parent_code is None and kind and kind != PlaceKind.CITY:
            parent_code = code[: CODE_LENGTH.get(ALLOWED_PARENT.get(kind), 0)] or None
        row = (
            index,
            kind or "",
            code,
            str(props.get("name") or "").strip(),
            parent_code,
            feature.get("geometry"),
        )
        if code in in_file:
            # Two features with one code: the second would silently overwrite the first.
            errors[f"{where}.code"] = [_("The code %(code)s is already in use.") % {"code": code}]
            continue
        in_file[code] = row
        if not kind:
            # No kind given and none to read from the code: the code is what is wrong.
            errors[f"{where}.code"] = [_("Without a kind, a code must have 6, 9, 12 or 15 digits.")]
            failed.add(code)
            continue
        rows.append(row)
    existing = {
        p.code: p
        for p in Place.objects.filter(code__in=[r[2] for r in rows] + [r[4] for r in rows if r[4]])
    }

    def depth(row) -> int:
        kind = row[1]
        return list(CODE_LENGTH).index(kind) if kind in CODE_LENGTH else 99

    created = updated = 0
    resolved: dict[str, Place] = dict(existing)
    for index, kind, code, name, parent_code, geometry in sorted(rows, key=depth):
        where = f"features[{index}]"
        parent = resolved.get(parent_code) if parent_code else None
        if parent_code and parent is None and parent_code not in in_file:
            errors[f"{where}.parent"] = [
                _("No place has the code %(code)s.") % {"code": parent_code}
            ]
            failed.add(code)
            continue
        if parent_code and parent is None:
            parent_kind = in_file[parent_code][1]
            if parent_code in failed or parent_kind not in PlaceKind.values:
                failed.add(code)
                continue  # its parent had errors of its own, reported there
            # The parent is in the file but not placed yet. Rows are sorted so that a parent
            # of the right kind comes first, so this one is of a kind it may not sit under:
            # check against a stand-in, which lets the tree rules say so.
            parent = Place(kind=parent_kind, code=parent_code)
        field_errors = _check_place(kind, code, name, parent, geometry)
        if parent is not None and parent.pk is None and not field_errors:
            field_errors = {
                "parent": [_("No place has the code %(code)s.") % {"code": parent_code}]
            }
        if field_errors:
            for field, messages in field_errors.items():
                errors[f"{where}.{field}"] = messages
            failed.add(code)
            continue
        place = resolved.get(code)
        # The same rule as create_place and update_place, place by place.
        permissions.require(
            actor, Cap.PLACES_MANAGE, place.path if place else parent.path if parent else "/"
        )
        if place is None:
            place = _insert(
                actor=actor,
                action="place.import",
                kind=kind,
                code=code,
                name=name,
                parent=parent,
                boundary=geometry,
            )
            created += 1
        else:
            if place.kind != kind or place.parent_id != (parent.pk if parent else None):
                errors[f"{where}.code"] = [
                    _(
                        "%(code)s already exists elsewhere in the tree; "
                        "an import does not move places."
                    )
                    % {"code": code}
                ]
                failed.add(code)
                continue
            if _amend(
                actor=actor, action="place.import", place=place, name=name, boundary=geometry
            ):
                updated += 1
        resolved[code] = place
    if errors:
        raise InvalidInput(fields=errors)  # leaving the atomic block undoes every write above
    return {"created": created, "updated": updated, "unchanged": len(rows) - created - updated}
