"""Joint enforcement actions (联合执法) as the street records and reads them: the form on a
phone (opened from a case's page, its case already ticked), the area's list and one
action's page, each case's page showing its actions, and the same over the JSON API; each
tried by those who may and those who may not."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from zhili.cases.models import Case, CaseEvent, JointAction
from zhili.cases.services.coordination import coordinate_case, record_joint_action
from zhili.cases.services.flow import accept_case, dispatch_case, reject_case
from zhili.cases.tests.conftest import as_user, whistle
from zhili.core.permissions import Role
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import parse
from zhili.testing.factories import UserFactory, grant


def marked(response, testid):
    return parse(response.content).find_all(data_testid=testid)


def errors_of(response, field) -> list[str]:
    return [li.text() for el in marked(response, f"error-{field}") for li in el.find_all("li")]


def ticked(response, name) -> dict[str, bool]:
    """The checkboxes named `name` on the page: value → checked."""
    return {
        i.attrs["value"]: "checked" in i.attrs
        for i in parse(response.content).find_all("input", name=name)
    }


@pytest.fixture
def street(loop, city):
    """Cases of 泊阳街道: one handed to the street, one shared by two departments, one with a
    single department; and a coordinated case of 塔山街道, and a coordinator there."""
    coordinated = whistle(loop, idempotency_key="a")
    accept_case(actor=loop.dispatcher, case=coordinated)
    coordinate_case(actor=loop.coordinator, case=coordinated, note="需多部门联合处置")
    shared = whistle(loop, idempotency_key="b")
    accept_case(actor=loop.dispatcher, case=shared)
    dispatch_case(actor=loop.dispatcher, case=shared, lead=loop.cg, co_departments=(loop.police,))
    single = whistle(loop, idempotency_key="c")
    accept_case(actor=loop.dispatcher, case=single)
    dispatch_case(actor=loop.dispatcher, case=single, lead=loop.cg)
    far = whistle(loop, longitude=None, latitude=None, place=city.g3, idempotency_key="d")
    accept_case(actor=loop.dispatcher, case=far)
    return type(
        "Street",
        (),
        {
            "coordinated": Case.objects.get(pk=coordinated.pk),
            "shared": Case.objects.get(pk=shared.pk),
            "single": Case.objects.get(pk=single.pk),
            "far": Case.objects.get(pk=far.pk),
            "far_coordinator": grant(
                UserFactory(username="tashan"), Role.STREET_COORDINATOR, city.s2
            ),
        },
    )


def form_data(loop, city, cases, **overrides) -> dict:
    data = {
        "date": timezone.localdate().isoformat(),
        "place": city.s1.pk,
        "departments": [loop.cg.pk, loop.police.pk],
        "cases": [c.pk for c in cases],
        "cases_solved": "2",
        "notes": "占道经营集中整治，清理摊点12处",
    }
    data.update(overrides)
    return data


# --- Recording one ------------------------------------------------------------------------------


def test_the_street_records_a_joint_action_from_a_cases_page(client, loop, city, street):
    case = street.coordinated
    page = as_user(client, loop.coordinator).get(f"/cases/{case.pk}/")
    [link] = marked(page, "record-joint-action")
    assert link.attrs["href"] == f"/cases/joint-actions/new/?case={case.pk}"

    form = client.get(link.attrs["href"])
    assert form.status_code == 200
    # Opened from the case: it is ticked; the street's shared cases are offered; a case with
    # one department and another street's case are not.
    assert ticked(form, "cases") == {str(case.pk): True, str(street.shared.pk): False}
    departments = ticked(form, "departments")
    assert set(departments) == {str(loop.cg.pk), str(loop.police.pk)}
    [date] = parse(form.content).find_all("input", name="date")
    assert date.attrs["value"] == timezone.localdate().isoformat()
    places = [o.attrs["value"] for o in parse(form.content).find_all("option") if o.attrs["value"]]
    assert str(city.s1.pk) in places and str(city.g1.pk) in places
    assert str(city.g3.pk) not in places

    response = client.post(
        link.attrs["href"], form_data(loop, city, [case, street.shared], place=city.c1.pk)
    )

    action = JointAction.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/joint-actions/{action.pk}/"
    assert (action.place, action.cases_solved, action.created_by) == (city.c1, 2, loop.coordinator)
    assert set(action.departments.all()) == {loop.cg, loop.police}
    assert set(action.cases.all()) == {case, street.shared}

    detail = client.get(response.url)
    [linked] = marked(detail, "joint-action-cases")
    assert sorted(li.attrs["data-case"] for li in linked.find_all("li")) == sorted(
        [case.number, street.shared.number]
    )
    assert marked(detail, "joint-action-departments")[0].text() == "城管、公安"
    assert marked(detail, "joint-action-notes")[0].text() == "占道经营集中整治，清理摊点12处"

    # Each linked case's page shows the action and the step on its timeline.
    for linked_case in (case, street.shared):
        page = client.get(f"/cases/{linked_case.pk}/")
        [item] = marked(page, "case-joint-action")
        assert item.attrs["data-action-id"] == str(action.pk)
        assert item.find_all("a")[0].attrs["href"] == f"/cases/joint-actions/{action.pk}/"
        timeline = marked(page, "timeline")[0].find_all("li")
        assert timeline[-1].attrs["data-action"] == "joint_action"
        assert "城管、公安" in timeline[-1].text()
    assert not marked(client.get(f"/cases/{street.single.pk}/"), "case-joint-action")


def test_the_coordination_view_leads_to_the_form_and_the_list(client, loop, street):
    page = as_user(client, loop.coordinator).get("/cases/coordination/")
    assert marked(page, "new-joint-action")[0].attrs["href"] == "/cases/joint-actions/new/"
    assert marked(page, "joint-actions-link")[0].attrs["href"] == "/cases/joint-actions/"
    hrefs = {a.attrs["href"] for a in marked(page, "joint-action-for-case")}
    assert f"/cases/joint-actions/new/?case={street.coordinated.pk}" in hrefs


def test_a_case_with_one_department_may_be_linked_from_its_own_page(client, loop, city, street):
    url = f"/cases/joint-actions/new/?case={street.single.pk}"
    form = as_user(client, loop.coordinator).get(url)
    assert ticked(form, "cases")[str(street.single.pk)] is True
    client.post(url, form_data(loop, city, [street.single]))
    assert list(JointAction.objects.get().cases.all()) == [street.single]


def test_bad_input_is_shown_on_the_form_and_records_nothing(client, loop, city, street):
    as_user(client, loop.coordinator)
    url = "/cases/joint-actions/new/"

    nothing = client.post(url, {})
    assert nothing.status_code == 200
    assert errors_of(nothing, "place") == [zh("Choose a place.")]

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    wrong = client.post(
        url,
        form_data(
            loop,
            city,
            [street.coordinated],
            date=tomorrow.isoformat(),
            departments=[],
            cases_solved="-1",
        ),
    )
    assert errors_of(wrong, "date") == [zh("Give the day it took place, today or earlier.")]
    assert errors_of(wrong, "departments") == [zh("Name the departments that took part.")]
    assert errors_of(wrong, "cases_solved") == [zh("Enter a whole number, 0 or more.")]
    # What was typed stays on the form.
    assert ticked(wrong, "cases")[str(street.coordinated.pk)] is True

    # A case outside the chosen place (翠平 is not 东湖).
    outside = client.post(url, form_data(loop, city, [street.coordinated], place=city.c2.pk))
    assert errors_of(outside, "cases") == [
        zh("Not within this place: %(numbers)s", numbers=street.coordinated.number)
    ]

    # A case rejected since the form was shown is no longer offered, nor accepted.
    rejected = whistle(loop, idempotency_key="r")
    form = client.get(f"{url}?case={rejected.pk}")
    assert str(rejected.pk) in ticked(form, "cases")
    reject_case(actor=loop.dispatcher, case=rejected, reason="非本平台受理范围")
    refused = client.post(f"{url}?case={rejected.pk}", form_data(loop, city, [rejected]))
    assert errors_of(refused, "cases")

    assert not JointAction.objects.exists()
    assert not CaseEvent.objects.filter(action="joint_action").exists()


# --- Who may ------------------------------------------------------------------------------------


def test_who_may_record_a_joint_action(client, loop, city, street):
    url = "/cases/joint-actions/new/"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for user in (loop.dispatcher, loop.secretary, loop.grid_officer, loop.handler):
        assert as_user(client, user).get(url).status_code == 403
    for user in (loop.resident, loop.courier, loop.outsider):
        assert as_user(client, user).post(url, form_data(loop, city, [])).status_code == 403
    assert as_user(client, loop.admin).get(url).status_code == 200

    # Another street's coordinator can name neither this street's place nor its cases.
    other = as_user(client, street.far_coordinator)
    page = other.get(f"{url}?case={street.coordinated.pk}")
    assert str(street.coordinated.pk) not in ticked(page, "cases")
    response = other.post(url, form_data(loop, city, [street.coordinated]))
    assert response.status_code == 200
    assert errors_of(response, "place") and errors_of(response, "cases")
    assert not JointAction.objects.exists()

    # The case page offers it to the street only.
    for user in (loop.dispatcher, loop.secretary, loop.grid_officer):
        page = as_user(client, user).get(f"/cases/{street.coordinated.pk}/")
        assert not marked(page, "record-joint-action")
    assert client.put(url).status_code == 405


def test_the_list_is_the_areas_newest_first_a_page_at_a_time(client, loop, city, street):
    today = timezone.localdate()
    for n in range(22):
        record_joint_action(
            actor=loop.coordinator,
            date=today - dt.timedelta(days=n),
            place=city.c1 if n % 2 else city.c2,
            departments=[loop.cg],
            notes=f"第{n}次",
        )
    elsewhere = record_joint_action(
        actor=street.far_coordinator,
        date=today,
        place=city.s2,
        departments=[loop.police],
        cases=[street.far],
    )

    def listed(user, query=""):
        response = as_user(client, user).get(f"/cases/joint-actions/{query}")
        assert response.status_code == 200
        return [int(i.attrs["data-action-id"]) for i in marked(response, "joint-action-item")]

    first = listed(loop.coordinator)
    assert len(first) == 20
    actions = JointAction.objects.filter(place_path__startswith=city.s1.path)
    dates = [actions.get(pk=pk).date for pk in first]
    assert dates == sorted(dates, reverse=True) and dates[0] == today
    assert len(listed(loop.coordinator, "?page=2")) == 2
    assert elsewhere.pk not in first
    assert listed(street.far_coordinator) == [elsewhere.pk]
    # The community sees the actions within it; the centre sees the city's.
    assert len(listed(loop.secretary)) == 11
    assert len(listed(loop.dispatcher, "?page=2")) == 3


def test_who_may_open_a_joint_action(client, loop, city, street):
    action = record_joint_action(
        actor=loop.coordinator,
        date=timezone.localdate(),
        place=city.c1,
        departments=[loop.cg, loop.police],
        cases=[street.coordinated],
    )
    url = f"/cases/joint-actions/{action.pk}/"
    assert client.get(url).status_code == 302
    for user in (loop.coordinator, loop.dispatcher, loop.secretary, loop.admin):
        assert as_user(client, user).get(url).status_code == 200
    # Outside the area: "not found"; no role that sees cases: forbidden.
    for user in (street.far_coordinator, loop.other_secretary):
        assert as_user(client, user).get(url).status_code == 404
    for user in (loop.resident, loop.courier, loop.handler, loop.outsider):
        assert as_user(client, user).get(url).status_code == 403
        assert as_user(client, user).get("/cases/joint-actions/").status_code == 403
    assert as_user(client, loop.coordinator).get("/cases/joint-actions/999999/").status_code == 404


def test_the_reporter_sees_that_an_action_dealt_with_the_case(client, loop, city, street):
    action = record_joint_action(
        actor=loop.coordinator,
        date=timezone.localdate(),
        place=city.s1,
        departments=[loop.cg],
        cases=[street.coordinated],
    )
    page = as_user(client, loop.courier).get(f"/cases/{street.coordinated.pk}/")
    [item] = marked(page, "case-joint-action")
    assert item.attrs["data-action-id"] == str(action.pk)
    assert not item.find_all("a")  # its page is for those who see the area
    assert not marked(page, "record-joint-action")


# --- Over the API -------------------------------------------------------------------------------


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def api_payload(loop, city, cases, **overrides) -> dict:
    payload = {
        "date": timezone.localdate().isoformat(),
        "place_id": city.s1.pk,
        "department_ids": [loop.cg.pk, loop.police.pk],
        "case_ids": [c.pk for c in cases],
        "cases_solved": 1,
        "notes": "渣土车夜查",
    }
    payload.update(overrides)
    return payload


def test_the_api_records_and_lists_joint_actions(client, loop, city, street):
    as_user(client, loop.coordinator)
    created = post(
        client,
        "/api/v1/joint-actions",
        api_payload(loop, city, [street.coordinated, street.shared]),
    )
    assert created.status_code == 201
    body = created.json()
    assert {c["number"] for c in body["cases"]} == {
        street.coordinated.number,
        street.shared.number,
    }
    assert [d["short_name"] for d in body["departments"]] == ["城管", "公安"]
    assert (body["place_id"], body["cases_solved"], body["notes"]) == (city.s1.pk, 1, "渣土车夜查")

    listed = client.get("/api/v1/joint-actions").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get(f"/api/v1/joint-actions?case={street.single.pk}").json()["count"] == 0
    assert client.get(f"/api/v1/joint-actions/{body['id']}").status_code == 200
    detail = client.get(f"/api/v1/cases/{street.coordinated.pk}").json()
    assert [a["id"] for a in detail["joint_actions"]] == [body["id"]]
    assert detail["timeline"][-1]["action"] == "joint_action"

    other = as_user(client, street.far_coordinator)
    assert other.get("/api/v1/joint-actions").json()["count"] == 0
    assert other.get(f"/api/v1/joint-actions/{body['id']}").status_code == 404
    assert as_user(client, loop.resident).get("/api/v1/joint-actions").status_code == 403


def test_the_api_answers_bad_input_with_its_fields_and_records_nothing(client, loop, city, street):
    as_user(client, loop.coordinator)
    url = "/api/v1/joint-actions"

    missing = post(client, url, {"department_ids": [999999]})
    assert missing.status_code == 400
    required = [zh("This field is required.")]
    assert missing.json()["fields"] == {"date": required, "place_id": required}

    unknown = post(
        client,
        url,
        api_payload(loop, city, [street.far], place_id=999999, department_ids=[999999]),
    )
    fields = unknown.json()["fields"]
    assert set(fields) == {"place_id", "department_ids", "case_ids"}
    assert fields["case_ids"] == [
        zh("Not in your area, or no such case: %(ids)s", ids=str(street.far.pk))
    ]

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    wrong = post(
        client,
        url,
        api_payload(
            loop,
            city,
            [street.coordinated],
            date=tomorrow,
            department_ids=[],
            cases_solved=-1,
            place_id=city.c2.pk,
        ),
    )
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"date", "department_ids", "cases_solved", "case_ids"}

    malformed = post(client, url, api_payload(loop, city, [], date="昨天"))
    assert malformed.status_code == 400 and "date" in malformed.json()["fields"]

    # Another street's place is not the coordinator's to act on; no coordination role at all
    # is refused before anything is read.
    assert post(client, url, api_payload(loop, city, [], place_id=city.s2.pk)).status_code == 403
    as_user(client, loop.dispatcher)
    assert post(client, url, api_payload(loop, city, [])).status_code == 403
    assert not JointAction.objects.exists()


def test_the_openapi_document_lists_the_joint_action_calls(client, loop):
    paths = as_user(client, loop.coordinator).get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/joint-actions"])
    assert "/api/v1/joint-actions/{action_id}" in paths
