"""The XML Zhili writes stays well-formed and says what the JSON says, whatever the text."""

import pytest
from defusedxml import EntitiesForbidden
from django.http import HttpResponse

from zhili.cases.models import Case
from zhili.open311.render import Many, to_xml
from zhili.open311.tests.helpers import both, form, parse

pytestmark = pytest.mark.django_db

HOSTILE = (
    "A & B <b>bold</b> <![CDATA[ x ]]> ]]> \"quoted\" 'single' "
    '<!DOCTYPE x [<!ENTITY e "boom">]> &e; 😀\u0000\u000b\ufffe end'
)
CLEAN = HOSTILE.replace("\u0000", "").replace("\u000b", "").replace("\ufffe", "")


def test_hostile_text_comes_back_as_text_in_both_formats(client, o311):
    fields = form(o311, description=HOSTILE, address_string="<address>&amp;\u0000")
    posted = client.post("/open311/v2/requests.xml", fields)
    assert posted.status_code == 200
    number = parse(posted).find("request/service_request_id").text
    case = Case.objects.get(number=number)
    assert case.description == CLEAN  # cleaned on the way in (PostgreSQL refuses NUL)
    data, root, status = both(client, f"/open311/v2/requests/{number}")
    assert status == 200
    assert data[0]["description"] == CLEAN
    assert root.find("request/description").text == CLEAN
    assert root.find("request/address").text == "<address>&amp;"
    raw = client.get(f"/open311/v2/requests/{number}.xml").content.decode()
    assert "<![CDATA[" not in raw and "<!DOCTYPE" not in raw and "<b>" not in raw
    assert "&lt;![CDATA[ x ]]&gt;" in raw


def test_the_renderer_writes_containers_empty_values_and_booleans():
    body = to_xml(
        "root",
        {
            "flag": True,
            "none": None,
            "list": Many("item", [{"n": 1}, {"n": 2.5}]),
            "empty": Many("x"),
        },
    )
    assert body == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<root><flag>true</flag><none /><list><item><n>1</n></item><item><n>2.5</n></item>"
        "</list><empty /></root>"
    )


def test_the_tests_read_xml_without_expanding_entities():
    """What the tests (and any careful client) parse with refuses entity declarations."""
    bomb = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><errors><error>&b;</error></errors>'
    )
    response = HttpResponse(bomb, content_type="text/xml; charset=utf-8")
    with pytest.raises(EntitiesForbidden):
        parse(response)
