"""The case loop over JSON: the same services and checks as the pages, errors with field
details, idempotent reports, and programs signing in with a token."""

import json

from django.core.management import call_command

from zhili.cases.models import Case, CaseStatus, Channel, TaskStatus, Urgency
from zhili.cases.services.flow import accept_case, dispatch_case
from zhili.cases.tests.conftest import IN_G1, as_user, photo, whistle
from zhili.people.models import ApiToken
from zhili.people.tests.helpers import zh


def post(client, url, payload=None, **headers):
    return client.post(
        url, json.dumps(payload or {}), content_type="application/json", headers=headers
    )


def report_payload(loop, **overrides):
    lon, lat = IN_G1
    payload = {
        "category_id": loop.category.pk,
        "description": "井盖缺失",
        "longitude": lon,
        "latitude": lat,
    }
    payload.update(overrides)
    return payload


def test_the_list_is_scoped_and_filtered(client, loop, city):
    mine = whistle(loop)
    far = whistle(loop, longitude=None, latitude=None, place=city.g3)
    accept_case(actor=loop.dispatcher, case=far)

    def numbers(user, query=""):
        response = as_user(client, user).get(f"/api/v1/cases/{query}")
        assert response.status_code == 200
        return sorted(c["number"] for c in response.json()["items"])

    assert numbers(loop.dispatcher) == sorted([mine.number, far.number])
    assert numbers(loop.dispatcher, "?status=accepted") == [far.number]
    assert numbers(loop.dispatcher, f"?place={city.c1.pk}") == [mine.number]
    assert numbers(loop.other_secretary) == [far.number]
    assert numbers(loop.courier) == sorted([mine.number, far.number])  # both are the courier's
    assert numbers(loop.outsider) == []
    assert numbers(loop.police_handler) == []
    bad = as_user(client, loop.dispatcher).get("/api/v1/cases/?status=lost")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["status"]
    client.logout()
    assert client.get("/api/v1/cases/").status_code == 401


def test_a_place_outside_the_callers_area_is_not_found(client, loop, city):
    whistle(loop)  # in g1, 翠平社区
    far = whistle(loop, longitude=None, latitude=None, place=city.g3)  # in 塔山社区

    def get(user, query):
        return as_user(client, user).get(f"/api/v1/cases/{query}")

    mine = get(loop.other_secretary, f"?place={city.c3.pk}")
    assert [c["number"] for c in mine.json()["items"]] == [far.number]
    # 翠平社区 is not the secretary's: it answers as a place that does not exist.
    outside = get(loop.other_secretary, f"?place={city.c1.pk}")
    missing = get(loop.other_secretary, "?place=999999")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    # The courier lists the cases it reported, but sees no place: every place is outside.
    assert get(loop.courier, f"?place={city.g1.pk}").status_code == 404


def test_the_list_takes_the_workbenchs_filters(client, loop):
    first = whistle(loop)
    second = whistle(loop, idempotency_key="2")
    Case.objects.filter(pk=second.pk).update(channel=Channel.API, urgency=Urgency.URGENT)
    as_user(client, loop.dispatcher)

    def numbers(query):
        response = client.get(f"/api/v1/cases/{query}")
        assert response.status_code == 200
        return [c["number"] for c in response.json()["items"]]

    assert numbers(f"?number=+{first.number}+") == [first.number]
    assert numbers(f"?number={first.number}&status=closed") == [first.number]  # whatever else
    assert numbers("?channel=api") == [second.number]
    assert numbers("?urgency=urgent") == [second.number]
    assert numbers("?channel=courier&urgency=normal") == [first.number]
    for query, field in (("?urgency=soon", "urgency"), ("?channel=fax", "channel")):
        bad = client.get(f"/api/v1/cases/{query}")
        assert bad.status_code == 400 and list(bad.json()["fields"]) == [field]

    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)

    body = as_user(client, loop.grid_officer).get(f"/api/v1/cases/{case.pk}").json()
    assert body["status"] == "accepted" and body["overdue"] is False
    assert [(e["action"], e["actor"]) for e in body["timeline"]] == [
        ("report", "courier"),
        ("accept", "dispatcher"),
    ]
    response = as_user(client, loop.other_secretary).get(f"/api/v1/cases/{case.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_same_report_sent_three_times_makes_one_case(client, loop, city):
    as_user(client, loop.courier)
    answers = [
        post(client, "/api/v1/cases/", report_payload(loop), **{"Idempotency-Key": "r-1"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Case.objects.count() == 1
    assert answers[0].json()["place_id"] == city.g1.pk


def test_a_bad_report_answers_400_with_its_fields(client, loop):
    response = post(
        as_user(client, loop.courier),
        "/api/v1/cases/",
        report_payload(loop, description="", category_id=999999),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = response.json()
    assert response.status_code == 400
    assert body["fields"]["description"] == [zh("Say what the problem is.")]
    assert body["fields"]["category_id"] == [zh("Choose a category from the list.")]
    malformed = post(client, "/api/v1/cases/", {"category_id": "乱停"})
    assert malformed.status_code == 400 and "category_id" in malformed.json()["fields"]
    assert not Case.objects.exists()


def test_a_report_with_photos_is_multipart(client, loop):
    response = as_user(client, loop.courier).post(
        "/api/v1/cases/report-with-photos",
        {"payload": json.dumps(report_payload(loop)), "photos": [photo(), photo((0, 0, 200))]},
        headers={"Idempotency-Key": "p-1"},
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["photos"]) == 2
    assert body["photos"][0]["thumbnail_url"].startswith(f"/cases/{body['id']}/photos/")


def test_reporting_needs_a_reporting_role(client, loop):
    response = post(as_user(client, loop.handler), "/api/v1/cases/", report_payload(loop))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_the_acts_run_the_loop_and_refuse_as_the_pages_do(client, loop):
    case = whistle(loop)
    url = f"/api/v1/cases/{case.pk}"

    assert post(as_user(client, loop.grid_officer), f"{url}/accept").status_code == 403
    assert post(as_user(client, loop.other_secretary), f"{url}/accept").status_code == 404
    assert as_user(client, loop.dispatcher).get(f"{url}/accept").status_code == 405
    stale = post(client, f"{url}/accept", {"version": case.version + 5})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"

    accepted = post(client, f"{url}/accept", {"version": case.version})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    no_lead = post(client, f"{url}/dispatch", {})
    assert no_lead.status_code == 400 and list(no_lead.json()["fields"]) == ["lead_id"]
    post(client, f"{url}/dispatch", {"lead_id": loop.cg.pk})

    # The police have no order here: the case does not exist for them.
    assert post(as_user(client, loop.police_handler), f"{url}/take").status_code == 404
    taken = post(as_user(client, loop.handler), f"{url}/take")
    assert taken.json()["tasks"][0]["status"] == TaskStatus.TAKEN
    handled = as_user(client, loop.handler).post(
        f"{url}/handle", {"result": "已清理", "photos": [photo((0, 120, 0))]}
    )
    assert handled.status_code == 200 and handled.json()["status"] == CaseStatus.HANDLED
    assert [p["kind"] for p in handled.json()["photos"]] == ["evidence"]

    no_answer = post(as_user(client, loop.grid_officer), f"{url}/verify", {})
    assert no_answer.status_code == 400 and list(no_answer.json()["fields"]) == ["passed"]
    post(client, f"{url}/verify", {"passed": True})
    post(as_user(client, loop.dispatcher), f"{url}/close")
    early = post(as_user(client, loop.resident), f"{url}/rate", {"rating": "satisfied"})
    assert early.status_code == 404  # not the resident's case
    rated = post(as_user(client, loop.courier), f"{url}/rate", {"rating": "basically"})
    assert rated.status_code == 200 and rated.json()["rating"] == "basically"
    assert [e["action"] for e in rated.json()["timeline"]][-3:] == ["verify", "close", "rate"]


def test_a_return_needs_its_reason(client, loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    response = post(as_user(client, loop.handler), f"/api/v1/cases/{case.pk}/return", {})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["reason"]


# --- Programs with a token --------------------------------------------------------------------


def issue(user, name="hotline") -> str:
    from io import StringIO

    out = StringIO()
    call_command("api-token", user.username, name, stdout=out)
    return out.getvalue().strip()


def test_a_program_acts_with_its_token_under_its_owners_roles(program, loop):
    case = whistle(loop)
    token = issue(loop.dispatcher)
    assert token.startswith("zl_")
    stored = ApiToken.objects.get()
    assert stored.key_hash != token and len(stored.key_hash) == 64  # only the hash is kept

    bearer = {"Authorization": f"Bearer {token}"}
    listed = program.get("/api/v1/cases/", headers=bearer)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    # A POST with the token needs no CSRF cookie; the token's account is the actor.
    accepted = post(program, f"/api/v1/cases/{case.pk}/accept", {}, **bearer)
    assert accepted.status_code == 200
    assert accepted.json()["timeline"][-1]["actor"] == "dispatcher"
    ApiToken.objects.get().refresh_from_db()
    assert ApiToken.objects.get().last_used_at is not None

    courier_token = issue(loop.courier, "app")
    refused = post(
        program,
        f"/api/v1/cases/{case.pk}/reject",
        {"reason": "x"},
        Authorization=f"Bearer {courier_token}",
    )
    assert refused.status_code == 403


def test_bad_and_revoked_tokens_are_refused(program, loop):
    token = issue(loop.dispatcher)
    bad = program.get("/api/v1/cases/", headers={"Authorization": "Bearer zl_nonsense"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthenticated"

    call_command("api-token", "dispatcher", "hotline", "--revoke", stdout=open("/dev/null", "w"))
    revoked = program.get("/api/v1/cases/", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    loop.courier.is_active = False
    loop.courier.save()
    inactive = issue(loop.dispatcher, "second")
    loop.dispatcher.is_active = False
    loop.dispatcher.save()
    assert (
        program.get("/api/v1/cases/", headers={"Authorization": f"Bearer {inactive}"}).status_code
        == 401
    )


def test_a_session_post_without_csrf_is_still_refused(program, loop):
    case = whistle(loop)
    program.force_login(loop.dispatcher)
    response = post(program, f"/api/v1/cases/{case.pk}/accept", {})
    assert response.status_code == 403 and response.json()["code"] == "csrf"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_the_openapi_document_lists_the_case_calls(client, loop):
    paths = as_user(client, loop.dispatcher).get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cases/{case_id}/dispatch" in paths
    assert "/api/v1/cases/report-with-photos" in paths


def test_the_centre_recategorises_over_the_api(client, loop):
    from zhili.cases.models import Category

    other = Category.objects.create(code="env", name="环境污染", default_lead=loop.police)
    case = whistle(loop)
    as_user(client, loop.dispatcher)
    missing = post(client, f"/api/v1/cases/{case.pk}/recategorise", {})
    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["category_id"]
    done = post(client, f"/api/v1/cases/{case.pk}/recategorise", {"category_id": other.pk})
    assert done.status_code == 200 and done.json()["category"] == "环境污染"
    assert (
        post(
            as_user(client, loop.courier),
            f"/api/v1/cases/{case.pk}/recategorise",
            {"category_id": loop.category.pk},
        ).status_code
        == 403
    )


def test_a_program_reads_the_categories_it_may_report_in(client, loop):
    from zhili.cases.models import Category

    assert client.get("/api/v1/categories/").status_code == 401
    as_user(client, loop.outsider)  # signed in, but no role that reports or sees cases
    assert client.get("/api/v1/categories/").status_code == 403
    Category.objects.create(code="old", name="旧分类", is_active=False)
    loop.category.attributes = [
        {"code": "lanes", "label": "占用车道数", "datatype": "number", "required": True}
    ]
    loop.category.save()
    as_user(client, loop.courier)
    listed = client.get("/api/v1/categories/").json()
    assert [c["code"] for c in listed] == ["parking"]  # the inactive one is not offered
    assert listed[0]["id"] == loop.category.pk and listed[0]["name"] == "乱停乱放"
    assert listed[0]["attributes"][0]["code"] == "lanes"
