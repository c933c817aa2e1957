"""GET requests, GET requests/{id} and GET tokens/{token}: what a public client reads."""

import datetime as dt

import pytest
from django.utils import timezone

from zhili.cases.models import Case
from zhili.cases.services.coordination import merge_cases
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    hold_case,
    reject_case,
    take_task,
    verify_case,
    void_case,
)
from zhili.cases.services.report import report_case
from zhili.open311.services import file_request
from zhili.open311.tests.helpers import LAT, LON, both, notice, parse
from zhili.people.tests.helpers import zh

pytestmark = pytest.mark.django_db

FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def filed(o311, **values) -> Case:
    """A case filed through Open311 (the service the POST calls)."""
    fields = {
        "api_key": o311.key,
        "category": o311.category,
        "description": "消防通道被电动车堵住",
        "longitude": LON,
        "latitude": LAT,
    }
    fields.update(values)
    return file_request(**fields).case


def fresh(case):
    return Case.objects.get(pk=case.pk)


def read(client, number):
    data, root, status = both(client, f"/open311/v2/requests/{number}")
    assert status == 200, data
    [entry] = data
    return entry


def test_a_request_reads_as_the_spec_says_without_personal_data(client, o311, city):
    case = filed(
        o311,
        address="翠平社区北门",
        first_name="小明",
        last_name="王",
        reporter_phone="13812345678",
        email="wang@example.cn",
        device_id="device-42",
        account_id="user-7",
        media_url="https://img.example.cn/p/1.jpg",
    )
    response = client.get(f"/open311/v2/requests/{case.number}.xml")
    root = parse(response)
    assert root.tag == "service_requests"
    assert [e.tag for e in root[0]] == FIELDS
    entry = read(client, case.number)
    local = timezone.localtime(case.reported_at)
    assert entry == {
        "service_request_id": case.number,
        "status": "open",
        "status_notes": zh("Received; the governance centre will accept or reject it."),
        "service_name": "乱停乱放",
        "service_code": "parking",
        "description": "消防通道被电动车堵住",
        "agency_responsible": None,
        "service_notice": notice("2 working hours", "3 working days"),
        "requested_datetime": local.isoformat(timespec="seconds"),
        "updated_datetime": local.isoformat(timespec="seconds"),
        "expected_datetime": timezone.localtime(case.step_deadline).isoformat(timespec="seconds"),
        "address": "翠平社区北门",
        "address_id": city.g1.code,
        "zipcode": None,
        "lat": LAT,
        "long": LON,
        "media_url": "https://img.example.cn/p/1.jpg",
    }
    assert entry["requested_datetime"].endswith("+08:00")
    assert dt.datetime.fromisoformat(entry["requested_datetime"]) == case.reported_at.replace(
        microsecond=0
    )
    for path in (f"requests/{case.number}", "requests"):
        for fmt in ("json", "xml"):
            body = client.get(f"/open311/v2/{path}.{fmt}").content.decode()
            for secret in ("王小明", "13812345678", "5678", "wang@", "device-42", "user-7"):
                assert secret not in body


def test_numbers_typed_into_the_text_are_masked_in_public(client, o311):
    written = "楼道堆物，有事打我电话 138 1234 5678，身份证 110101199003074514"
    case = filed(o311, description=written)
    entry = read(client, case.number)
    assert entry["description"] == "楼道堆物，有事打我电话 138****5678，身份证 110***********4514"
    # The case keeps what was written, for the centre to call back.
    assert fresh(case).description.endswith("138 1234 5678，身份证 110101199003074514")


def test_the_status_follows_the_case_through_the_loop(client, o311):
    case = filed(o311)
    accept_case(actor=o311.dispatcher, case=case)
    entry = read(client, case.number)
    assert (entry["status"], entry["agency_responsible"]) == ("open", None)
    assert entry["status_notes"] == zh(
        "Accepted by the governance centre; it is being sent to a department."
    )
    dispatch_case(actor=o311.dispatcher, case=case, lead=o311.cg)
    entry = read(client, case.number)
    assert entry["agency_responsible"] == "城市管理局"
    assert entry["status_notes"] == zh("Sent to %(department)s.", department="城市管理局")
    assert entry["expected_datetime"] == timezone.localtime(fresh(case).step_deadline).isoformat(
        timespec="seconds"
    )
    [task] = fresh(case).tasks.all()
    take_task(actor=o311.handler, task=task)
    entry = read(client, case.number)
    assert entry["status_notes"] == zh("%(department)s is working on it.", department="城市管理局")
    handle_task(actor=o311.handler, task=task, result="已劝离车辆，设置隔离桩")
    assert read(client, case.number)["status"] == "open"
    verify_case(actor=o311.grid_officer, case=case, passed=True)
    assert read(client, case.number)["status_notes"] == zh(
        "Checked on the spot; it awaits closure."
    )
    close_case(actor=o311.dispatcher, case=case)
    entry = read(client, case.number)
    closed_at = timezone.localtime(fresh(case).closed_at).isoformat(timespec="seconds")
    assert (entry["status"], entry["updated_datetime"], entry["expected_datetime"]) == (
        "closed",
        closed_at,
        None,
    )
    assert entry["status_notes"] == zh(
        "Closed. %(department)s: %(result)s",
        department="城市管理局",
        result="已劝离车辆，设置隔离桩",
    )
    assert entry["agency_responsible"] == "城市管理局"


def test_rejected_voided_and_held_cases(client, o311):
    rejected, voided, held = (filed(o311, description=d) for d in ("一", "二", "三"))
    reject_case(actor=o311.dispatcher, case=rejected, reason="不属于受理范围")
    void_case(actor=o311.dispatcher, case=voided, reason="重复提交")
    accept_case(actor=o311.dispatcher, case=held)
    review = timezone.localdate() + dt.timedelta(days=10)
    hold_case(actor=o311.dispatcher, case=held, reason="内部原因：等待预算", review_on=review)
    entry = read(client, rejected.number)
    assert (entry["status"], entry["status_notes"]) == (
        "closed",
        zh("Not accepted: %(reason)s", reason="不属于受理范围"),
    )
    entry = read(client, voided.number)
    assert (entry["status"], entry["status_notes"]) == (
        "closed",
        zh("Voided: %(reason)s", reason="重复提交"),
    )
    entry = read(client, held.number)
    assert entry["status"] == "open"
    assert entry["status_notes"] == zh(
        "On hold for now; to be reviewed on %(date)s.", date=review.isoformat()
    )
    assert "预算" not in entry["status_notes"]  # the hold's reason is the centre's own


def test_a_merged_request_follows_the_case_it_was_merged_into(client, o311):
    mine = filed(o311)
    # The survivor was reported by a courier: not public itself, but it carries mine now.
    theirs = report_case(
        actor=o311.courier,
        category=o311.category,
        description="消防通道被占",
        longitude=LON,
        latitude=LAT,
    )
    accept_case(actor=o311.dispatcher, case=theirs)
    dispatch_case(actor=o311.dispatcher, case=theirs, lead=o311.cg)
    merge_cases(actor=o311.dispatcher, case=mine, into=theirs)
    entry = read(client, mine.number)
    assert entry["status"] == "open"
    assert entry["agency_responsible"] == "城市管理局"
    assert entry["status_notes"] == zh(
        "Reported already: followed as case %(number)s. %(notes)s",
        number=theirs.number,
        notes=zh("Sent to %(department)s.", department="城市管理局"),
    )

    def numbers(**query):
        data, _root, _status = both(client, "/open311/v2/requests", data=query)
        return [e["service_request_id"] for e in data]

    assert numbers(status="open") == [mine.number]
    assert numbers(status="closed") == []
    [task] = fresh(theirs).tasks.all()
    take_task(actor=o311.handler, task=task)
    handle_task(actor=o311.handler, task=task, result="已清理")
    verify_case(actor=o311.grid_officer, case=theirs, passed=True)
    close_case(actor=o311.dispatcher, case=theirs)
    entry = read(client, mine.number)
    assert entry["status"] == "closed"
    assert entry["updated_datetime"] == timezone.localtime(fresh(theirs).closed_at).isoformat(
        timespec="seconds"
    )
    assert numbers(status="closed") == [mine.number]
    # The survivor itself stays private.
    assert client.get(f"/open311/v2/requests/{theirs.number}.json").status_code == 404


def test_only_cases_filed_through_open311_are_public(client, o311):
    ours = filed(o311)
    private = report_case(
        actor=o311.courier,
        category=o311.category,
        description="内部上报",
        longitude=LON,
        latitude=LAT,
    )
    data, _root, _status = both(client, "/open311/v2/requests")
    assert [e["service_request_id"] for e in data] == [ours.number]
    data, root, status = both(client, f"/open311/v2/requests/{private.number}")
    assert status == 404 and root.tag == "errors"
    assert private.number in data[0]["description"]
    data, _root, _status = both(
        client, "/open311/v2/requests", data={"service_request_id": private.number}
    )
    assert data == []


def test_the_list_filters_by_id_code_status_and_dates(client, o311):
    now = timezone.now()
    parking = filed(o311, description="一")
    accident = filed(o311, category=o311.accident, description="二", answers={"injured": "no"})
    old = filed(o311, description="三")
    Case.objects.filter(pk=old.pk).update(reported_at=now - dt.timedelta(days=100))
    closed = filed(o311, description="四")
    reject_case(actor=o311.dispatcher, case=closed, reason="不属于受理范围")

    def numbers(**query):
        data, _root, status = both(client, "/open311/v2/requests", data=query)
        assert status == 200, data
        return [e["service_request_id"] for e in data]

    # The default: the last 90 days, newest first.
    assert numbers() == [closed.number, accident.number, parking.number]
    assert numbers(service_code="jtsg") == [accident.number]
    assert numbers(service_code="jtsg,parking") == [closed.number, accident.number, parking.number]
    assert numbers(service_code="nosuch") == []
    assert numbers(status="open") == [accident.number, parking.number]
    assert numbers(status="closed") == [closed.number]
    assert numbers(status="open,closed") == numbers()
    # service_request_id overrides every other argument, in the order asked.
    assert numbers(
        service_request_id=f"{old.number}, {parking.number},nosuch", status="closed"
    ) == [old.number, parking.number]
    start = (now - dt.timedelta(days=101)).isoformat()
    end = (now - dt.timedelta(days=99)).isoformat()
    assert numbers(start_date=start, end_date=end) == [old.number]
    assert numbers(start_date=start) == [old.number]  # 90 days from the start
    assert numbers(end_date=end) == [old.number]  # 90 days up to the end
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    assert numbers(start_date=yesterday.isoformat()) == numbers()  # midnight, Asia/Shanghai
    utc = (now - dt.timedelta(days=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(start_date=utc) == [closed.number, accident.number, parking.number]
    # "+08:00" sent unencoded arrives as " 08:00": still read as the offset.
    local = timezone.localtime(now - dt.timedelta(days=1)).isoformat(timespec="seconds")
    response = client.get(f"/open311/v2/requests.json?start_date={local}")
    assert response.status_code == 200 and len(parse(response)) == 3


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-05-02T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "90"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_list_parameters_are_400(client, o311, query, word):
    data, root, status = both(client, "/open311/v2/requests", data=query)
    assert status == 400
    assert word in data[0]["description"] and data[0]["code"] == 400


def test_the_list_stops_at_the_maximum(client, o311, settings):
    settings.OPEN311_MAX_RESULTS = 2
    cases = [filed(o311, description=str(i)) for i in range(3)]
    data, _root, _status = both(client, "/open311/v2/requests")
    assert [e["service_request_id"] for e in data] == [cases[2].number, cases[1].number]
    ids = ",".join(c.number for c in cases)
    data, _root, _status = both(client, "/open311/v2/requests", data={"service_request_id": ids})
    assert len(data) == 2


def test_the_list_reads_in_a_fixed_number_of_queries(client, o311, django_assert_num_queries):
    def listed():  # the cases, their tasks, the categories' time limits
        with django_assert_num_queries(3):
            client.get("/open311/v2/requests.json")

    for i in range(2):
        case = filed(o311, description=f"一{i}")
        accept_case(actor=o311.dispatcher, case=case)
        dispatch_case(actor=o311.dispatcher, case=case, lead=o311.cg)
    listed()
    for i in range(4):
        filed(o311, description=f"二{i}")
    listed()


def test_a_token_gives_the_request_id(client, o311):
    case = filed(o311)
    data, root, status = both(client, f"/open311/v2/tokens/{case.open311.token}")
    assert status == 200
    assert data == [{"service_request_id": case.number, "token": case.open311.token}]
    assert [e.tag for e in root[0]] == ["service_request_id", "token"]
    data, root, status = both(client, "/open311/v2/tokens/nosuchtoken")
    assert status == 404 and "nosuchtoken" in data[0]["description"]


def test_an_unknown_request_is_404(client, o311):
    data, _root, status = both(client, "/open311/v2/requests/20260101999999")
    assert status == 404 and data[0]["code"] == 404


def test_status_notes_speak_the_clients_language(client, o311):
    case = filed(o311)
    english = client.get(
        f"/open311/v2/requests/{case.number}.json", headers={"Accept-Language": "en"}
    )
    assert parse(english)[0]["status_notes"] == (
        "Received; the governance centre will accept or reject it."
    )
    chinese = client.get(f"/open311/v2/requests/{case.number}.json")
    assert parse(chinese)[0]["status_notes"] == zh(
        "Received; the governance centre will accept or reject it."
    )


def test_a_department_still_on_the_case_answers_for_it_when_the_lead_returned(client, o311):
    from zhili.cases.services.flow import return_task

    case = filed(o311)
    accept_case(actor=o311.dispatcher, case=case)
    dispatch_case(actor=o311.dispatcher, case=case, lead=o311.cg, co_departments=(o311.police,))
    lead = fresh(case).tasks.get(department=o311.cg)
    return_task(actor=o311.handler, task=lead, reason="不属于本部门职责")
    entry = read(client, case.number)
    assert (entry["status"], entry["agency_responsible"]) == ("open", "公安局")
    assert entry["status_notes"] == zh("Sent to %(department)s.", department="公安局")


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "9999-12-31T00:00:00Z"},  # 90 days on is past the calendar's end
        {"end_date": "0001-01-01"},  # 90 days before is before its start
        {"start_date": "0001-01-01T00:00:00+08:00", "end_date": "0001-01-02T00:00:00+08:00"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_400_not_a_crash(client, o311, query):
    filed(o311)
    data, _root, status = both(client, "/open311/v2/requests", data=query)
    assert status == 400
    assert data[0]["description"].split(" ")[0] in ("start_date", "end_date")


def test_a_year_or_a_year_and_month_are_w3c_dates_too(client, o311):
    case = filed(o311)
    month = timezone.localdate().replace(day=1)

    def listed(**query):
        data, _root, status = both(client, "/open311/v2/requests", data=query)
        assert status == 200, data
        return [e["service_request_id"] for e in data]

    assert listed(start_date=f"{month:%Y-%m}") == [case.number]  # from the 1st, 00:00
    assert listed(end_date=f"{month:%Y-%m}") == []  # up to the 1st, 00:00
    assert listed(end_date=f"{month:%Y}") == []  # up to 1 January
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    assert listed(end_date=f"{next_month:%Y-%m}") == [case.number]


def test_a_request_merged_into_a_private_case_tells_none_of_its_text(client, o311):
    """The case a public request was merged into is not public: its department's result and
    the centre's reason were written for its own reporter, and may name people."""
    closed_mine, rejected_mine = filed(o311, description="一"), filed(o311, description="二")
    closed_theirs, rejected_theirs = (
        report_case(
            actor=o311.courier,
            category=o311.category,
            description=d,
            longitude=LON,
            latitude=LAT,
        )
        for d in ("三", "四")
    )
    merge_cases(actor=o311.dispatcher, case=rejected_mine, into=rejected_theirs)
    reject_case(actor=o311.dispatcher, case=rejected_theirs, reason="举报人李四撤回")
    accept_case(actor=o311.dispatcher, case=closed_theirs)
    dispatch_case(actor=o311.dispatcher, case=closed_theirs, lead=o311.cg)
    merge_cases(actor=o311.dispatcher, case=closed_mine, into=closed_theirs)
    [task] = fresh(closed_theirs).tasks.all()
    take_task(actor=o311.handler, task=task)
    handle_task(actor=o311.handler, task=task, result="已电话联系张三（13812345678）调解")
    verify_case(actor=o311.grid_officer, case=closed_theirs, passed=True)
    close_case(actor=o311.dispatcher, case=closed_theirs)

    def followed(number, notes):
        return zh(
            "Reported already: followed as case %(number)s. %(notes)s", number=number, notes=notes
        )

    entry = read(client, closed_mine.number)
    assert entry["status"] == "closed"
    assert entry["status_notes"] == followed(closed_theirs.number, zh("Closed."))
    entry = read(client, rejected_mine.number)
    assert entry["status"] == "closed"
    assert entry["status_notes"] == followed(rejected_theirs.number, zh("Not accepted."))
    for fmt in ("json", "xml"):
        body = client.get(f"/open311/v2/requests.{fmt}").content.decode()
        for secret in ("张三", "13812345678", "李四"):
            assert secret not in body


def test_merged_requests_read_in_a_fixed_number_of_queries(client, o311, django_assert_num_queries):
    def merged_pair(i):
        mine = filed(o311, description=f"重复{i}")
        theirs = report_case(
            actor=o311.courier,
            category=o311.category,
            description=f"原件{i}",
            longitude=LON,
            latitude=LAT,
        )
        merge_cases(actor=o311.dispatcher, case=mine, into=theirs)

    for i in range(2):
        merged_pair(i)
    # The cases, their tasks, the time limits; then the cases merged into, and their tasks.
    with django_assert_num_queries(5):
        client.get("/open311/v2/requests.json")
    for i in range(2, 6):
        merged_pair(i)
    with django_assert_num_queries(5):
        data = client.get("/open311/v2/requests.json").json()
    assert len(data) == 6
