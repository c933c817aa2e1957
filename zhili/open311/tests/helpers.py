"""Reading Open311 answers as a client does: JSON with json, XML with defusedxml only."""

import json

from defusedxml import ElementTree as SafeET

from zhili.cases.tests.conftest import IN_G1

# The elements GeoReport v2 uses as containers of one repeating child (Spark: always arrays).
CONTAINERS = {"services", "attributes", "values", "endpoints", "formats", "service_requests"}
CONTAINERS |= {"errors"}
LON, LAT = IN_G1


def from_xml(element):
    """An XML answer as the Spark convention turns it into JSON, every scalar a string."""
    children = list(element)
    if element.tag in CONTAINERS:
        return [from_xml(child) for child in children]
    if children:
        return {child.tag: from_xml(child) for child in children}
    return element.text


def as_text(value):
    """A JSON answer with its scalars written as XML writes them."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def parse(response):
    """The body of an answer: JSON or XML by its content type; XML parsed safely."""
    kind = response["Content-Type"]
    body = response.content
    if kind == "application/json; charset=utf-8":
        return json.loads(body)
    assert kind == "text/xml; charset=utf-8", kind
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return SafeET.fromstring(body)


def both(client, path, method="get", **kwargs):
    """Ask in JSON and in XML; check that they say the same; return (json, xml root, status)."""
    call = getattr(client, method)
    as_json = call(f"{path}.json", **kwargs)
    as_xml = call(f"{path}.xml", **kwargs)
    assert as_json.status_code == as_xml.status_code
    data, root = parse(as_json), parse(as_xml)
    assert from_xml(root) == as_text(data)
    return data, root, as_json.status_code


def form(o311, **overrides):
    """A complete POST service request (form-encoded fields) for 乱停乱放 inside grid g1."""
    fields = {
        "api_key": o311.raw,
        "service_code": "parking",
        "lat": str(LAT),
        "long": str(LON),
        "description": "消防通道被电动车堵住",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def notice(accept: str, handle: str) -> str:
    """The service notice for these limits, e.g. notice("2 working hours", "3 working days")."""
    from zhili.people.tests.helpers import zh

    def limit(text):
        amount, unit = text.split(" ", 1)
        return zh("%(amount)s %(unit)s", amount=amount, unit=zh(unit))

    return zh(
        "The governance centre accepts or rejects a report within %(accept)s; the "
        "department it sends the case to handles it within %(handle)s.",
        accept=limit(accept),
        handle=limit(handle),
    )
