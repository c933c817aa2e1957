"""What Open311 never does: show a phone or ID number a citizen typed into the address, read a
body that is not UTF-8, answer an unknown path outside the spec's error list, or write an
api_key sent in the query string to the log."""

import io
import logging
from urllib.parse import quote

import pytest

from zhili.cases.models import Case
from zhili.open311.tests.helpers import both, form, parse
from zhili.people.tests.helpers import zh

pytestmark = pytest.mark.django_db


def test_phone_and_id_numbers_in_the_address_are_masked(client, o311):
    address = "翠平社区北门，有事打13812345678，身份证110101199003074514"
    filed = client.post("/open311/v2/requests.json", form(o311, address_string=address))
    [answer] = parse(filed)
    assert Case.objects.get().address == address  # kept whole for the centre to call back
    data, _root, status = both(client, f"/open311/v2/requests/{answer['service_request_id']}")
    assert status == 200
    assert data[0]["address"] == "翠平社区北门，有事打138****5678，身份证110***********4514"


def test_a_body_that_is_not_utf8_is_400_and_files_nothing(client, o311):
    fields = form(o311, description="消防通道被堵")
    latin1 = "&".join(f"{k}={quote(v, encoding='gbk')}" for k, v in fields.items())
    for body, content_type in [
        (latin1.encode(), "application/x-www-form-urlencoded"),
        ("description=caf\xe9".encode("latin-1"), "application/x-www-form-urlencoded"),
        (b"service_code=parking", "application/x-www-form-urlencoded; charset=iso-8859-1"),
    ]:
        response = client.post("/open311/v2/requests.json", body, content_type=content_type)
        assert response.status_code == 400, body
        assert parse(response) == [{"code": 400, "description": zh("Send the request in UTF-8.")}]
    assert not Case.objects.exists()
    utf8 = "&".join(f"{k}={quote(v)}" for k, v in fields.items())
    response = client.post(
        "/open311/v2/requests.json",
        utf8.encode(),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 200
    assert Case.objects.get().description == "消防通道被堵"


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/open311/v2/nothing.json", "json"),
        ("/open311/v2/requests/1/extra.json", "json"),
        ("/open311/v3/services.xml", "xml"),
        ("/open311/", "xml"),
        ("/open311/v2/services", "xml"),
    ],
)
def test_an_unknown_path_is_a_404_in_the_error_list(client, path, kind):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        body = parse(response)
        if kind == "json":
            [error] = body
            assert error["code"] == 404
        else:
            assert body.tag == "errors" and body.find("error/code").text == "404"


def _written(logger_name: str, handler_index: int, *args) -> str:
    """What the handler of `logger_name` (as settings.LOGGING configures it) writes."""
    logger = logging.getLogger(logger_name)
    handler = logger.handlers[handler_index] if logger.handlers else logging.getLogger().handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger.warning(*args)
    finally:
        handler.setStream(previous)
    return stream.getvalue()


def test_an_api_key_in_the_query_string_is_not_logged():
    line = "GET /open311/v2/requests.json?status=open&api_key=o311_secret-Key HTTP/1.1"
    served = _written("django.server", 0, '"%s" %s %s', line, "200", "512")
    assert "o311_secret" not in served
    assert "/open311/v2/requests.json?status=open&api_key=[redacted] HTTP/1.1" in served
    logged = _written("zhili.open311", 0, "asked %s", "/open311/v2/x.json?API_KEY=o311_abc")
    assert "o311_abc" not in logged and "API_KEY=[redacted]" in logged


def test_an_api_key_with_its_underscore_percent_encoded_is_not_logged():
    # Django reads api%5Fkey as api_key: the log must not keep it either.
    line = "GET /open311/v2/requests.json?api%5Fkey=o311_hidden HTTP/1.1"
    served = _written("django.server", 0, '"%s" %s %s', line, "200", "512")
    assert "o311_hidden" not in served
    assert "api%5Fkey=[redacted]" in served
