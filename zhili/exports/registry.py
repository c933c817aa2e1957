"""Kinds of export that higher apps offer (the person registry now; bulletins and rosters
later), without this app importing them: each registers its kind in its AppConfig.ready().

A kind names the capability it needs and a function that builds the file for an actor from
the export's parameters. The function narrows the rows to what the actor may see *when it
runs* and masks them as the actor would see them on screen; it raises a DomainError when
the parameters no longer make sense for the actor (a place outside the area).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhili.core import permissions
from zhili.core.errors import InvalidInput


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    row_count: int | None = None


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: str
    cap: str
    build: Callable[[object, dict], ExportFile]
    # A short description of the parameters, numbers masked, for the audit trail and the
    # pages (kept on the export as it was when asked for).
    describe: Callable[[dict], str] = lambda params: ""


_kinds: dict[str, ExportKind] = {}


def register_export_kind(kind: ExportKind) -> None:
    _kinds[kind.key] = kind


def export_kind(key: str) -> ExportKind:
    try:
        return _kinds[key]
    except KeyError:
        raise InvalidInput(fields={"kind": [_("Unknown kind of export.")]}) from None


def may_export(actor) -> bool:
    """Whether the actor may ask for any kind of export (and so has a list of them)."""
    return any(permissions.can(actor, kind.cap) for kind in _kinds.values())


def kind_label(key: str) -> str:
    kind = _kinds.get(key)
    return str(kind.label) if kind else key
