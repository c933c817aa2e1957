"""The case pages as people use them: the whistle, the workbench, the inbox, the case page
and its acts; each tried as allowed, forbidden, out of scope, anonymous and wrong method."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhili.cases.models import Case, CaseStatus, CaseTask, Category, Channel, TaskStatus
from zhili.cases.services.flow import (
    accept_case,
    dispatch_case,
    handle_task,
    take_task,
    void_case,
)
from zhili.cases.tests.conftest import IN_G1, as_user, photo, whistle
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import one_testid, parse


def errors_of(response, field) -> list[str]:
    return [
        li.text()
        for el in parse(response.content).find_all(data_testid=f"error-{field}")
        for li in el.find_all("li")
    ]


def marked(content, testid):
    """The elements marked data-testid=testid."""
    return parse(content).find_all(data_testid=testid)


def report_data(loop, **overrides) -> dict:
    lon, lat = IN_G1
    data = {
        "category": loop.category.pk,
        "description": "路口电动车乱停，挡住盲道",
        "urgency": "normal",
        "longitude": lon,
        "latitude": lat,
        "place": "",
        "address": "翠平路口",
        "idempotency_key": "k-1",
    }
    data.update(overrides)
    return data


# --- Reporting --------------------------------------------------------------------------------


def test_a_courier_reports_from_the_phone_and_lands_on_the_case(client, loop, city):
    as_user(client, loop.courier)
    form = client.get("/cases/report/")
    [key] = parse(form.content).find_all("input", name="idempotency_key")
    assert len(key.attrs["value"]) == 32  # one fresh key per form shown
    [upload] = parse(form.content).find_all("input", name="photos")
    assert upload.attrs["capture"] == "environment" and "image/jpeg" in upload.attrs["accept"]

    response = client.post("/cases/report/", {**report_data(loop), "photos": [photo()]})

    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    assert (case.reporter, case.place, case.status) == (loop.courier, city.g1, "reported")
    assert case.photos.count() == 1


def test_a_double_submit_files_one_case(client, loop):
    as_user(client, loop.courier)
    first = client.post("/cases/report/", report_data(loop))
    second = client.post("/cases/report/", report_data(loop))

    assert Case.objects.count() == 1
    assert first.url == second.url


def test_a_report_without_description_or_place_is_explained_in_chinese(client, loop):
    as_user(client, loop.courier)
    response = client.post(
        "/cases/report/", report_data(loop, description="", longitude="", latitude="")
    )

    assert response.status_code == 200
    assert errors_of(response, "description") == [zh("Say what the problem is.")]
    assert errors_of(response, "longitude") == [
        zh("Give the location: share it from the phone, pick it on the map, or choose a place.")
    ]
    assert not Case.objects.exists()


def test_a_place_may_be_picked_instead_of_a_position(client, loop, city):
    as_user(client, loop.courier)
    client.post("/cases/report/", report_data(loop, longitude="", latitude="", place=city.g2.pk))

    assert Case.objects.get().place == city.g2


def test_the_categorys_questions_are_asked_and_required_answers_checked(client, loop):
    loop.category.attributes = [
        {
            "code": "injured",
            "label": "有无人员受伤",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "无"}],
        }
    ]
    loop.category.save()
    as_user(client, loop.courier)

    fragment = client.get(f"/cases/report/questions/?category={loop.category.pk}")
    assert [i.attrs["value"] for i in parse(fragment.content).find_all("input")] == ["yes", "no"]

    missing = client.post("/cases/report/", report_data(loop))
    assert errors_of(missing, "attr_injured") == [zh("Please answer: %(q)s", q="有无人员受伤")]

    client.post("/cases/report/", report_data(loop, attr_injured="no"))
    assert Case.objects.get().attributes == {"injured": "no"}


def test_reporting_needs_a_role_that_reports(client, loop):
    assert client.get("/cases/report/").status_code == 302  # anonymous: to the sign-in page
    as_user(client, loop.outsider)
    assert client.get("/cases/report/").status_code == 403
    as_user(client, loop.handler)  # handlers take orders; they do not blow the whistle
    assert client.post("/cases/report/", report_data(loop)).status_code == 403
    assert not Case.objects.exists()
    as_user(client, loop.courier)
    assert client.put("/cases/report/").status_code == 405


# --- The workbench ----------------------------------------------------------------------------


def test_the_workbench_lists_the_areas_cases_with_their_clocks(client, loop, city):
    near = whistle(loop)
    far = whistle(loop, longitude=None, latitude=None, place=city.g3)
    Case.objects.filter(pk=far.pk).update(step_deadline=timezone.now() - dt.timedelta(hours=3))

    as_user(client, loop.dispatcher)
    page = parse(client.get("/cases/?tab=all").content)
    rows = page.find_all(data_testid="queue-row")
    # Most urgent deadline first: the overdue one leads.
    assert [r.attrs["data-case"] for r in rows] == [far.number, near.number]
    clocks = [c.attrs["data-overdue"] for c in page.find_all(data_testid="clock")]
    assert clocks == ["1", "0"]
    overdue = parse(client.get("/cases/?overdue=on").content).find_all(data_testid="queue-row")
    assert [r.attrs["data-case"] for r in overdue] == [far.number]

    as_user(client, loop.other_secretary)  # 塔山社区: only the case in its grid
    rows = parse(client.get("/cases/?tab=all").content).find_all(data_testid="queue-row")
    assert [r.attrs["data-case"] for r in rows] == [far.number]


def test_the_workbench_filters_by_status_and_place(client, loop, city):
    accepted = whistle(loop)
    accept_case(actor=loop.dispatcher, case=accepted)
    waiting = whistle(loop, idempotency_key="2")
    as_user(client, loop.dispatcher)

    def numbers(query):
        page = parse(client.get(f"/cases/?{query}").content)
        return sorted(r.attrs["data-case"] for r in page.find_all(data_testid="queue-row"))

    assert numbers("status=reported") == [waiting.number]
    assert numbers("status=accepted") == [accepted.number]
    assert numbers(f"place={city.c3.pk}&tab=all") == []
    assert numbers(f"place={city.c1.pk}&tab=all") == sorted([accepted.number, waiting.number])
    # A resident on the phone reads out a number: that case, whatever its status.
    void_case(actor=loop.dispatcher, case=waiting, reason="重复录入")
    assert numbers(f"number=+{waiting.number}+") == [waiting.number]
    assert numbers("number=20990101000001") == []
    Case.objects.filter(pk=waiting.pk).update(channel=Channel.API)
    assert numbers("channel=api&status=") == [waiting.number]
    assert numbers("channel=courier") == [accepted.number]


def test_the_workbench_costs_the_same_queries_for_more_cases(client, loop):
    as_user(client, loop.dispatcher)
    for i in range(3):
        whistle(loop, idempotency_key=f"a{i}")
    client.get("/cases/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for i in range(8):
        whistle(loop, idempotency_key=f"b{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/cases/")
    assert len(parse(response.content).find_all(data_testid="queue-row")) == 11
    assert len(many) == len(few)


def test_the_workbench_is_for_those_who_see_an_area(client, loop):
    assert client.get("/cases/").status_code == 302
    for user in (loop.courier, loop.handler, loop.outsider):
        assert as_user(client, user).get("/cases/").status_code == 403
    assert as_user(client, loop.dispatcher).post("/cases/").status_code == 405


# --- The inbox --------------------------------------------------------------------------------


def dispatched(loop, **extra) -> Case:
    case = whistle(loop, **extra)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    return Case.objects.get(pk=case.pk)


def test_the_inbox_shows_the_departments_orders_and_takes_one(client, loop):
    case = dispatched(loop)
    dispatched(loop, idempotency_key="2")
    as_user(client, loop.handler)
    items = marked(client.get("/cases/inbox/").content, "inbox-item")
    assert len(items) == 2

    response = client.post(
        f"/cases/{case.pk}/take/",
        {"take-version": case.version, "take-task": case.tasks.get().pk, "next": "/cases/inbox/"},
    )
    assert response.status_code == 302 and response.url == "/cases/inbox/"
    assert case.tasks.get().status == TaskStatus.TAKEN

    # The police see none of 城管's orders.
    as_user(client, loop.police_handler)
    assert marked(client.get("/cases/inbox/").content, "inbox-item") == []


def test_the_inbox_costs_the_same_queries_for_more_orders(client, loop):
    as_user(client, loop.handler)
    dispatched(loop, idempotency_key="a")
    client.get("/cases/inbox/")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/inbox/")
    for i in range(5):
        dispatched(loop, idempotency_key=f"b{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/inbox/")
    assert len(many) == len(few)


def test_the_inbox_is_for_handlers(client, loop):
    assert client.get("/cases/inbox/").status_code == 302
    assert as_user(client, loop.dispatcher).get("/cases/inbox/").status_code == 403
    assert as_user(client, loop.handler).post("/cases/inbox/").status_code == 405


# --- The case page and its acts ---------------------------------------------------------------


def acts_on_page(response) -> list[str]:
    return [
        f.attrs["data-testid"].removeprefix("act-")
        for f in parse(response.content).find_all("form")
        if f.attrs.get("data-testid", "").startswith("act-")
    ]


def test_each_person_sees_the_acts_they_may_take_now(client, loop):
    case = whistle(loop)
    assert acts_on_page(as_user(client, loop.dispatcher).get(f"/cases/{case.pk}/")) == [
        "accept",
        "reject",
        "void",
        "recategorise",
        "coordinate",
        "merge",
    ]
    assert acts_on_page(as_user(client, loop.coordinator).get(f"/cases/{case.pk}/")) == [
        "coordinate"
    ]
    assert acts_on_page(as_user(client, loop.courier).get(f"/cases/{case.pk}/")) == []
    assert acts_on_page(as_user(client, loop.grid_officer).get(f"/cases/{case.pk}/")) == []


def test_who_may_open_a_case_page(client, loop):
    case = whistle(loop)
    url = f"/cases/{case.pk}/"
    assert client.get(url).status_code == 302
    for user in (loop.courier, loop.dispatcher, loop.secretary, loop.grid_officer):
        assert as_user(client, user).get(url).status_code == 200
    # Out of scope, another department before it has an order, nobody: "not found".
    for user in (loop.other_secretary, loop.police_handler, loop.outsider, loop.resident):
        assert as_user(client, user).get(url).status_code == 404
    assert as_user(client, loop.dispatcher).post(url).status_code == 405


def test_the_case_page_names_the_reporter_and_masks_the_phone_unless_allowed(client, loop):
    called_in = whistle(loop, reporter_name="王先生", reporter_phone="13912345678")

    def reporter(user, case=called_in):
        return one_testid(as_user(client, user).get(f"/cases/{case.pk}/").content, "case-reporter")

    # The centre calls back through a masked number; the community and the grid, who may
    # see personal data over the place, see it whole.
    assert "王先生 139****5678" in reporter(loop.dispatcher)
    assert "13912345678" not in reporter(loop.dispatcher)
    assert "王先生 13912345678" in reporter(loop.secretary)
    assert "13912345678" in reporter(loop.grid_officer)
    # Filed by an account on someone's behalf: the account shows as the way it came.
    assert loop.courier.get_username() in reporter(loop.dispatcher)
    own = whistle(loop, idempotency_key="own")
    assert reporter(loop.dispatcher, own) == str(loop.courier)


def test_the_whole_loop_through_the_pages(client, loop):
    case = whistle(loop, photos=[photo()])

    def act(user, name, **fields):
        current = Case.objects.get(pk=case.pk)
        data = {f"{name}-version": current.version}
        data.update({f"{name}-{k}": v for k, v in fields.items()})
        return as_user(client, user).post(f"/cases/{case.pk}/{name}/", data)

    assert act(loop.dispatcher, "accept").status_code == 302
    act(loop.dispatcher, "dispatch", lead=loop.cg.pk, co_departments=[loop.police.pk])
    tasks = {t.department_id: t for t in CaseTask.objects.filter(case=case)}
    act(loop.handler, "take", task=tasks[loop.cg.pk].pk)
    act(loop.police_handler, "take", task=tasks[loop.police.pk].pk)
    act(
        loop.handler,
        "handle",
        task=tasks[loop.cg.pk].pk,
        result="已清理",
        photos=[photo((0, 90, 0))],
    )
    act(loop.police_handler, "handle", task=tasks[loop.police.pk].pk, result="已劝离")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.HANDLED
    act(loop.grid_officer, "verify", passed="1", note="现场已畅通")
    act(loop.dispatcher, "close")
    response = act(loop.courier, "rate", rating="satisfied", comment="很快")
    assert response.status_code == 302

    page = client.get(f"/cases/{case.pk}/")
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.rating) == ("closed", "satisfied")
    timeline = parse(page.content).find_all(data_testid="timeline")[0].find_all("li")
    assert [li.attrs["data-action"] for li in timeline if li.attrs["data-action"] != "photo"] == [
        "report",
        "accept",
        "dispatch",
        "take",
        "take",
        "handle",
        "handle",
        "verify",
        "close",
        "rate",
    ]
    thumbs = parse(page.content).find_all("img")
    assert len(thumbs) == 2  # the whistle's photo and the evidence


def test_a_stale_page_is_told_the_case_changed(client, loop):
    case = whistle(loop)
    shown = case.version
    accept_case(actor=loop.dispatcher, case=case)  # someone else, meanwhile

    response = as_user(client, loop.dispatcher).post(
        f"/cases/{case.pk}/reject/", {"reject-version": shown, "reject-reason": "重复"}
    )

    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
    [status] = marked(response.content, "case-status")
    assert status.attrs["data-status"] == "accepted"  # the case as it now stands
    assert zh("The case changed meanwhile: %(why)s", why="").strip() in response.content.decode()


def test_a_missing_reason_is_shown_on_the_form(client, loop):
    case = whistle(loop)
    response = as_user(client, loop.dispatcher).post(
        f"/cases/{case.pk}/reject/", {"reject-version": case.version, "reject-reason": " "}
    )

    assert response.status_code == 200
    assert errors_of(response, "reason") == [zh("Give the reason.")]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_acts_refused_by_role_scope_method_and_name(client, loop):
    case = whistle(loop)
    data = {"accept-version": case.version}
    assert client.post(f"/cases/{case.pk}/accept/", data).status_code == 302  # anonymous
    assert (
        as_user(client, loop.grid_officer).post(f"/cases/{case.pk}/accept/", data).status_code
        == 403
    )
    assert as_user(client, loop.courier).post(f"/cases/{case.pk}/accept/", data).status_code == 403
    assert (
        as_user(client, loop.other_secretary).post(f"/cases/{case.pk}/accept/", data).status_code
        == 404
    )
    as_user(client, loop.dispatcher)
    assert client.get(f"/cases/{case.pk}/accept/").status_code == 405
    assert client.post(f"/cases/{case.pk}/teleport/", data).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_another_departments_order_cannot_be_taken(client, loop):
    case = dispatched(loop)
    task = case.tasks.get()
    # The police see the case only once they have an order; here they have none.
    response = as_user(client, loop.police_handler).post(
        f"/cases/{case.pk}/take/", {"take-version": case.version, "take-task": task.pk}
    )
    assert response.status_code == 404
    assert CaseTask.objects.get(pk=task.pk).status == TaskStatus.DISPATCHED


# --- Photos -----------------------------------------------------------------------------------


def test_photos_are_served_only_to_those_who_may_see_the_case(client, loop):
    case = whistle(loop, photos=[photo()])
    shot = case.photos.get()
    url = f"/cases/{case.pk}/photos/{shot.pk}/thumb/"

    response = as_user(client, loop.courier).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert (
        as_user(client, loop.dispatcher).get(f"/cases/{case.pk}/photos/{shot.pk}/full/").status_code
        == 200
    )
    assert as_user(client, loop.other_secretary).get(url).status_code == 404
    assert as_user(client, loop.outsider).get(url).status_code == 404
    assert (
        as_user(client, loop.courier).get(f"/cases/{case.pk}/photos/{shot.pk}/huge/").status_code
        == 404
    )
    client.logout()
    assert client.get(url).status_code == 302


# --- Coordination and homes -------------------------------------------------------------------


def test_the_street_sees_cases_that_need_several_departments(client, loop, city):
    several = whistle(loop)
    accept_case(actor=loop.dispatcher, case=several)
    dispatch_case(actor=loop.dispatcher, case=several, lead=loop.cg, co_departments=(loop.police,))
    single = dispatched(loop, idempotency_key="2")
    coordinated = whistle(loop, idempotency_key="3")
    accept_case(actor=loop.dispatcher, case=coordinated)
    Case.objects.filter(pk=coordinated.pk).update(coordinated=True)
    elsewhere = whistle(loop, longitude=None, latitude=None, place=city.g3, idempotency_key="4")
    accept_case(actor=loop.dispatcher, case=elsewhere)
    Case.objects.filter(pk=elsewhere.pk).update(coordinated=True)

    response = as_user(client, loop.coordinator).get("/cases/coordination/")
    items = {i.attrs["data-case"]: i for i in marked(response.content, "coordination-item")}
    assert set(items) == {several.number, coordinated.number}
    assert single.number not in items and elsewhere.number not in items
    # The street may dispatch the case it coordinates.
    assert items[coordinated.number].find_all("form") and not items[several.number].find_all("form")

    coordinated = Case.objects.get(pk=coordinated.pk)
    client.post(
        f"/cases/{coordinated.pk}/dispatch/",
        {"dispatch-version": coordinated.version, "dispatch-lead": loop.cg.pk},
    )
    assert Case.objects.get(pk=coordinated.pk).status == CaseStatus.DISPATCHED

    assert as_user(client, loop.dispatcher).get("/cases/coordination/").status_code == 403


def test_the_homes_show_the_cases_of_each_role(client, loop, city):
    mine = whistle(loop)
    late = whistle(loop, idempotency_key="2")
    Case.objects.filter(pk=late.pk).update(step_deadline=timezone.now() - dt.timedelta(minutes=5))

    courier_home = as_user(client, loop.courier).get("/")
    assert marked(courier_home.content, "report-button")
    cases = marked(courier_home.content, "my-cases")[0].find_all("li")
    assert sorted(li.attrs["data-case"] for li in cases) == sorted([mine.number, late.number])

    dispatcher_home = as_user(client, loop.dispatcher).get("/")
    [awaiting] = marked(dispatcher_home.content, "awaiting-count")
    [overdue] = marked(dispatcher_home.content, "overdue-count")
    assert (awaiting.find_all("b")[0].text(), overdue.find_all("b")[0].text()) == ("2", "1")

    accept_case(actor=loop.dispatcher, case=mine)
    dispatch_case(actor=loop.dispatcher, case=mine, lead=loop.cg)
    handler_home = as_user(client, loop.handler).get("/")
    [count] = marked(handler_home.content, "inbox-count")
    assert count.find_all("b")[0].text() == "1"
    task = Case.objects.get(pk=mine.pk).tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已处理")
    handler_home = as_user(client, loop.handler).get("/")
    assert marked(handler_home.content, "inbox-count")[0].find_all("b")[0].text() == "0"


@pytest.mark.parametrize("inactive", [True])
def test_an_inactive_category_is_not_offered(client, loop, inactive):
    Category.objects.create(code="old", name="旧分类", is_active=False)
    page = as_user(client, loop.courier).get("/cases/report/")
    options = [o.text() for o in parse(page.content).find_all("option")]
    assert "旧分类" not in options and "乱停乱放" in options


def post_act(client, user, case, name, **fields):
    current = Case.objects.get(pk=case.pk)
    data = {f"{name}-version": current.version}
    data.update({f"{name}-{k}": v for k, v in fields.items()})
    return as_user(client, user).post(f"/cases/{case.pk}/{name}/", data)


def test_the_street_takes_a_case_and_dispatches_it(client, loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    post_act(client, loop.coordinator, case, "coordinate", note="需多部门联合处置")
    assert Case.objects.get(pk=case.pk).coordinated
    post_act(
        client, loop.coordinator, case, "dispatch", lead=loop.cg.pk, co_departments=[loop.police.pk]
    )
    assert Case.objects.get(pk=case.pk).tasks.count() == 2


def test_a_department_asks_for_more_time_and_the_centre_grants_it(client, loop):
    case = dispatched(loop)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    later = timezone.localtime(CaseTask.objects.get(pk=task.pk).handle_deadline) + dt.timedelta(
        days=2
    )
    response = post_act(
        client,
        loop.handler,
        case,
        "extension",
        task=task.pk,
        until=f"{later:%Y-%m-%dT%H:%M}",
        reason="需采购材料",
    )
    assert response.status_code == 302
    offered = acts_on_page(as_user(client, loop.dispatcher).get(f"/cases/{case.pk}/"))
    assert {"grant_extension", "refuse_extension"} <= set(offered)
    post_act(client, loop.dispatcher, case, "grant_extension", note="同意")
    task = CaseTask.objects.get(pk=task.pk)
    assert task.extension_status == "granted"
    assert (
        timezone.localtime(task.handle_deadline).strftime("%Y-%m-%dT%H:%M")
        == f"{later:%Y-%m-%dT%H:%M}"
    )


def test_a_duplicate_is_merged_by_its_number(client, loop):
    first = whistle(loop)
    second = whistle(loop, idempotency_key="2")
    response = post_act(client, loop.dispatcher, second, "merge", into_number=first.number)
    assert response.status_code == 302
    second = Case.objects.get(pk=second.pk)
    assert (second.status, second.merged_into_id) == (CaseStatus.VOIDED, first.pk)
    wrong = post_act(client, loop.dispatcher, first, "merge", into_number="00000000")
    assert errors_of(wrong, "into_number") == [zh("No case with this number in your area.")]


def test_the_reporter_reopens_a_closed_case_that_is_not_fixed(client, loop):
    from zhili.cases.services.flow import close_case, verify_case

    case = dispatched(loop)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已处理")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    assert acts_on_page(as_user(client, loop.courier).get(f"/cases/{case.pk}/")) == [
        "rate",
        "reopen",
    ]
    post_act(client, loop.courier, case, "reopen", reason="车又停回来了")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_every_timeline_entry_and_status_reads_in_chinese():
    from django.utils import translation

    from zhili.cases.views import ACTION_LABELS, STATUS_LABELS

    with translation.override("zh-hans"):
        english = {
            code: str(label)
            for code, label in {**ACTION_LABELS, **STATUS_LABELS}.items()
            if not re.search(r"[\u4e00-\u9fff]", str(label))
        }
    assert english == {}
