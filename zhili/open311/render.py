"""One renderer for both formats of GeoReport v2.

A response is built once, as plain values: dicts (elements in order), `Many` (a container
whose children repeat one tag) and scalars. XML writes it under its root element; JSON follows
the Spark convention the spec prescribes (the root element dropped, a `Many` always an array,
an empty element null). So `services.xml` and `services.json` cannot drift apart.
"""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 -- used to write XML, never to parse it
from dataclasses import dataclass, field

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry even escaped (most C0 controls, lone surrogates, U+FFFE/F):
# dropped from the output (from JSON too, so that both formats say the same), so that hostile
# text can never make a document unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Many:
    """A container element whose children all carry `tag` (<services><service/>…)."""

    tag: str
    items: list = field(default_factory=list)


def writable(text: str) -> str:
    """`text` without the characters XML cannot carry (incoming parameters are cleaned so too:
    PostgreSQL refuses NUL in text)."""
    return _NOT_XML.sub("", text)


def to_json_value(value):
    if isinstance(value, Many):
        return [to_json_value(v) for v in value.items]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, str):  # the same text as in XML
        return writable(value)
    return value


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return writable(str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, Many):
        for item in value.items:
            _fill(ET.SubElement(element, value.tag), item)
    elif isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def render(fmt: str, root: str, value, *, status: int = 200, headers=None) -> HttpResponse:
    """The response in `fmt` ("json" or "xml"), UTF-8, with the spec's content types."""
    if fmt == "json":
        body = json.dumps(to_json_value(value), ensure_ascii=False)
    else:
        body = to_xml(root, value)
    response = HttpResponse(body.encode(), status=status, content_type=FORMATS[fmt])
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def render_errors(fmt: str, status: int, descriptions, *, headers=None) -> HttpResponse:
    """The spec's error list: <errors><error><code/><description/></error>…</errors>."""
    errors = Many("error", [{"code": status, "description": str(d)} for d in descriptions])
    return render(fmt, "errors", errors, status=status, headers=headers)
