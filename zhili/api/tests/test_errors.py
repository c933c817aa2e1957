"""What a client meets when its input is wrong: a 400, 401 or 413 in the API's one error
shape, never a 500, and the statuses and required fields declared in the OpenAPI document."""

import json

import pytest
from django.test import Client

from zhili.cases.tests.conftest import IN_G1, as_user, whistle
from zhili.core.bounds import MAX_PAGE_SIZE
from zhili.people.tests.helpers import zh

TOO_BIG = 2**63  # one past the largest id a database holds


def post(client, url, payload, **headers):
    return client.post(url, json.dumps(payload), content_type="application/json", headers=headers)


def assert_error(response, status, code, fields=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    if fields is not None:
        assert sorted(body["fields"]) == sorted(fields)
    return body


def test_huge_ids_in_paths_queries_and_bodies_answer_400_naming_the_field(client, loop):
    case = whistle(loop)
    as_user(client, loop.dispatcher)
    for url, field in [
        (f"/api/v1/cases/{TOO_BIG}", "case_id"),
        (f"/api/v1/cases/?offset={TOO_BIG}", "offset"),
        (f"/api/v1/cases/?category={TOO_BIG}", "category"),
        (f"/api/v1/cases/?place={2**70}", "place"),
        (f"/api/v1/people/?place={TOO_BIG}", "place"),
        (f"/api/v1/places/{TOO_BIG}", "place_id"),
        (f"/api/v1/departments/{TOO_BIG}", "department_id"),
        (f"/api/v1/joint-actions?case={TOO_BIG}", "case"),
        (f"/api/v1/reports/{TOO_BIG}", "receipt_id"),
    ]:
        body = assert_error(client.get(url), 400, "invalid", [field])
        assert body["fields"][field] == [
            zh("Enter a number no greater than %(limit)s.", limit=2**63 - 1)
        ]
    lon, lat = IN_G1
    report = {"category_id": TOO_BIG, "description": "井盖缺失", "longitude": lon, "latitude": lat}
    assert_error(post(client, "/api/v1/cases/", report), 400, "invalid", ["category_id"])
    dispatch = {"lead_id": loop.cg.pk, "co_department_ids": [TOO_BIG]}
    assert_error(
        post(client, f"/api/v1/cases/{case.pk}/dispatch", dispatch),
        400,
        "invalid",
        ["co_department_ids.0"],
    )
    assert_error(
        post(client, f"/api/v1/cases/{case.pk}/accept", {"version": TOO_BIG}),
        400,
        "invalid",
        ["version"],
    )
    search = post(client, "/api/v1/people/search", {"q": "", "place": TOO_BIG})
    assert_error(search, 400, "invalid", ["place"])


def test_a_page_is_at_most_the_maximum_size(client, loop):
    whistle(loop)
    as_user(client, loop.dispatcher)
    assert client.get(f"/api/v1/cases/?limit={MAX_PAGE_SIZE}").json()["count"] == 1
    body = assert_error(client.get("/api/v1/cases/?limit=100000"), 400, "invalid", ["limit"])
    assert body["fields"]["limit"] == [
        zh("Enter a number no greater than %(limit)s.", limit=MAX_PAGE_SIZE)
    ]


def test_a_malformed_multipart_body_answers_400(client, loop):
    case = whistle(loop)
    as_user(client, loop.courier)
    for content_type in ["multipart/form-data", 'multipart/form-data; boundary=""']:
        for url in ["/api/v1/cases/report-with-photos", f"/api/v1/cases/{case.pk}/photos"]:
            response = client.post(url, b"--\r\n", content_type=content_type)
            body = assert_error(response, 400, "bad_request")
            assert body["message"] == zh("The request could not be read.")


def test_a_json_body_over_the_memory_limit_answers_413(client, loop, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    as_user(client, loop.courier)
    lon, lat = IN_G1
    report = {
        "category_id": loop.category.pk,
        "description": "井" * 2000,
        "longitude": lon,
        "latitude": lat,
    }
    body = assert_error(post(client, "/api/v1/cases/", report), 413, "too_large")
    assert body["message"] == zh("The request is too large.")
    assert_error(post(client, "/api/v1/reports/", report), 413, "too_large")


@pytest.mark.parametrize("body", [[], "q", 7, None, ["q"]])
def test_a_people_search_whose_body_is_not_an_object_answers_400(client, cast, body):
    as_user(client, cast.secretary)
    response = post(client, "/api/v1/people/search", body)
    assert_error(response, 400, "invalid")


def test_no_token_and_no_session_answers_401_with_a_challenge_a_session_csrf_403(loop):
    program = Client(enforce_csrf_checks=True)
    for response in [
        program.get("/api/v1/cases/"),
        post(program, "/api/v1/cases/", {"category_id": loop.category.pk, "description": "x"}),
        post(program, "/api/v1/reports/", {}),
    ]:
        assert_error(response, 401, "unauthenticated")
        assert response["WWW-Authenticate"] == 'Bearer realm="zhili"'
    bad_token = program.get("/api/v1/cases/", headers={"Authorization": "Bearer zl_nope"})
    assert_error(bad_token, 401, "unauthenticated")
    assert bad_token["WWW-Authenticate"] == 'Bearer realm="zhili"'
    # A signed-in page posting without its CSRF token is still refused as a forgery.
    program.force_login(loop.courier)
    response = post(program, "/api/v1/cases/", {"category_id": loop.category.pk})
    assert_error(response, 403, "csrf")


def test_the_openapi_document_declares_every_error_and_the_required_fields(client, cast):
    document = client.get("/api/v1/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "fields"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            expected = {"400", "401", "403", "404"}
            if method == "post":
                expected |= {"409", "413"}
            assert expected <= documented, (method, path)
            challenge = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert challenge["required"] is True

    def required(path, method="post"):
        operation = document["paths"][path][method]
        ref = operation["requestBody"]["content"]
        schema = next(iter(ref.values()))["schema"]
        name = schema["$ref"].rsplit("/", 1)[1]
        return set(document["components"]["schemas"][name].get("required", []))

    assert {"category_id", "description"} <= required("/api/v1/cases/")
    assert "reason" in required("/api/v1/cases/{case_id}/reject")
    assert "reason" in required("/api/v1/cases/{case_id}/return")
    assert "passed" in required("/api/v1/cases/{case_id}/verify")
    assert {"reason", "review_on"} <= required("/api/v1/cases/{case_id}/hold")
    assert "lead_id" in required("/api/v1/cases/{case_id}/dispatch")
    assert "into_id" in required("/api/v1/cases/{case_id}/merge")
    assert {"date", "place_id"} <= required("/api/v1/joint-actions")
    limit = next(
        p for p in document["paths"]["/api/v1/cases/"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == MAX_PAGE_SIZE


def test_an_unknown_path_under_the_api_answers_404_in_the_api_shape(client):
    response = client.get("/api/v1/no-such-thing/42")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "not_found",
        "message": zh("Not found, or not within your area."),
        "fields": {},
    }


# A NUL (PostgreSQL refuses it in text) and half a surrogate pair (not text at all), written
# as the JSON escapes a client would send: both answered 400 naming the field, nothing kept.
@pytest.mark.parametrize("text", ["井盖\\u0000缺失", "井盖\\ud800缺失"])
def test_text_no_database_can_keep_answers_400_naming_the_field(client, loop, text):
    from zhili.cases.models import Case

    as_user(client, loop.courier)
    lon, lat = IN_G1
    body = (
        f'{{"category_id": {loop.category.pk}, "description": "{text}", '
        f'"longitude": {lon}, "latitude": {lat}}}'
    )
    answer = client.post("/api/v1/cases/", body, content_type="application/json")
    assert_error(answer, 400, "invalid", ["description"])
    search = client.post(
        "/api/v1/people/search", f'{{"q": "{text}"}}', content_type="application/json"
    )
    assert search.status_code in (400, 403)  # a courier may not search people: either way
    assert not Case.objects.exists()

    as_user(client, loop.dispatcher)
    search = client.post(
        "/api/v1/people/search", f'{{"q": "{text}"}}', content_type="application/json"
    )
    assert_error(search, 400, "invalid", ["q"])


def test_a_nul_in_a_query_answers_400_naming_the_parameter(client, loop):
    as_user(client, loop.dispatcher)
    assert_error(client.get("/api/v1/cases/?number=%00"), 400, "invalid", ["number"])
    assert_error(client.get("/api/v1/places/?kind=a%00"), 400, "invalid", ["kind"])


def test_an_account_over_its_calls_a_minute_is_answered_429_with_retry_after(
    client, loop, settings
):
    settings.API_RATE_LIMIT = 3
    as_user(client, loop.dispatcher)
    for _ in range(3):
        assert client.get("/api/v1/cases/").status_code == 200

    refused = client.get("/api/v1/cases/")

    body = assert_error(refused, 429, "throttled")
    assert body["message"] == zh("Too many calls this minute; try again shortly.")
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another account has its own count; no limit (0) lets everything through.
    as_user(client, loop.handler)
    assert client.get("/api/v1/cases/").status_code == 200
    settings.API_RATE_LIMIT = 0
    as_user(client, loop.dispatcher)
    assert client.get("/api/v1/cases/").status_code == 200


def test_the_openapi_document_declares_429_on_every_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
