"""The reporter is told at every step of their own case, in Chinese, in the inbox; the closing
asks for a rating, as a 12345 return visit does."""

import pytest

from zhili.cases.models import CaseFollower, Rating
from zhili.cases.services.coordination import coordinate_case
from zhili.cases.services.corrections import reopen_case
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    rate_case,
    take_task,
    verify_case,
)
from zhili.core.errors import InvalidInput
from zhili.notifications.models import Notification
from zhili.notifications.tests.helpers import fresh, last_id, told, whistle


def inbox(user, since: int = 0) -> list[tuple[str, str]]:
    """(kind, title) of the user's notifications above `since`, oldest first."""
    rows = Notification.objects.filter(recipient=user, id__gt=since).order_by("id")
    return list(rows.values_list("kind", "title"))


def test_the_reporter_hears_of_every_step_of_their_case(people):
    case = whistle(people)
    n = case.number
    CaseFollower.objects.get_or_create(case=case, user=people.resident)  # a merged duplicate's

    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=fresh(case), lead=people.cg)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    handle_task(actor=people.handler, task=task, result="已劝离车辆。")
    verify_case(actor=people.grid_officer, case=fresh(case), passed=True)
    close_case(actor=people.dispatcher, case=fresh(case))

    assert inbox(people.courier) == [
        ("accepted", f"反映事项{n}已受理"),
        ("dispatched", f"反映事项{n}已派发至城市管理局"),
        ("handled", f"反映事项{n}已办结"),
        ("verified", f"反映事项{n}已通过现场核查"),
        ("closed", f"事件{n}已结案，请您评价"),
    ]
    bodies = dict(Notification.objects.filter(recipient=people.courier).values_list("kind", "body"))
    assert "已派发至城市管理局办理" in bodies["dispatched"]
    assert "城市管理局：已劝离车辆。接下来将进行现场核查" in bodies["handled"]  # one stop, not 。。
    assert "请对办理情况作出评价" in bodies["closed"]
    # The closed notice links to the rating form on the case page.
    closed = Notification.objects.get(recipient=people.courier, kind="closed")
    assert closed.case_url == f"/cases/{case.pk}/#act-rate"
    # A follower cannot rate: told of the closure, not asked for a rating.
    assert [k for k, _ in inbox(people.resident)] == [
        "accepted",
        "dispatched",
        "handled",
        "verified",
        "closed",
    ]
    assert "请对办理情况作出评价" not in (
        Notification.objects.get(recipient=people.resident, kind="closed").body
    )

    # The reporter reopens: the centre and the follower are told, the reporter is not.
    since = last_id()
    reopen_case(actor=people.courier, case=fresh(case), reason="车又停回来了。")
    assert told(since) == [("dispatcher", "rework"), ("resident", "reopened")]
    [(kind, title)] = inbox(people.resident, since)
    assert title == f"反映事项{n}已重新办理"
    body = Notification.objects.get(recipient=people.resident, kind="reopened").body
    assert "车又停回来了。中心将重新处理" in body


def test_the_closed_notice_opens_the_rating_form(client, people):
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=fresh(case), lead=people.cg)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    handle_task(actor=people.handler, task=task, result="已劝离车辆")
    verify_case(actor=people.grid_officer, case=fresh(case), passed=True)
    close_case(actor=people.dispatcher, case=fresh(case))
    client.force_login(people.courier)

    page = client.get(Notification.objects.get(recipient=people.courier, kind="closed").case_url)

    assert b'id="act-rate"' in page.content


@pytest.fixture
def closed(people):
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=fresh(case), lead=people.cg)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    handle_task(actor=people.handler, task=task, result="已劝离车辆")
    verify_case(actor=people.grid_officer, case=fresh(case), passed=True)
    close_case(actor=people.dispatcher, case=fresh(case))
    return fresh(case)


def test_dissatisfied_needs_a_reason(people, closed):
    with pytest.raises(InvalidInput) as refused:
        rate_case(actor=people.courier, case=closed, rating=Rating.DISSATISFIED, comment="  ")
    assert [str(m) for m in refused.value.fields["comment"]] == ["请说明不满意的原因。"]
    assert fresh(closed).rating == ""

    rate_case(actor=people.courier, case=closed, rating=Rating.DISSATISFIED, comment="车还在")
    assert (fresh(closed).rating, fresh(closed).rating_comment) == ("dissatisfied", "车还在")


def test_satisfied_needs_no_reason(people, closed):
    rate_case(actor=people.courier, case=closed, rating=Rating.SATISFIED)
    assert fresh(closed).rating == "satisfied"


def test_the_timeline_shows_the_rating_level_in_words(client, people, closed):
    rate_case(actor=people.courier, case=closed, rating=Rating.BASICALLY, comment="有点慢")
    client.force_login(people.courier)

    page = client.get(f"/cases/{closed.pk}/").content.decode()

    assert 'data-testid="timeline-rating" data-rating="basically">基本满意</span>' in page


def test_sending_a_case_to_the_street_tells_its_coordinator(people):
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    since = last_id()

    coordinate_case(actor=people.dispatcher, case=fresh(case), note="涉及多个部门。")

    # 泊阳街道's coordinator; not 塔山街道's.
    assert told(since) == [("coordinator", "coordination")]
    note = Notification.objects.get(kind="coordination")
    assert note.title == f"提请街道统筹：事件{case.number}"
    assert note.body.endswith("原因：涉及多个部门")


def test_a_rework_note_ending_in_a_full_stop_gives_one_stop(people, closed):
    case = whistle(people, idempotency_key="2")
    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=fresh(case), lead=people.cg)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)
    handle_task(actor=people.handler, task=task, result="已劝离车辆")

    verify_case(actor=people.grid_officer, case=fresh(case), passed=False, note="车辆仍在。")

    body = Notification.objects.get(kind="rework").body
    assert "车辆仍在。请于" in body and "。。" not in body


def test_an_empty_result_asks_for_the_result_not_a_reason(people):
    case = whistle(people)
    accept_case(actor=people.dispatcher, case=case)
    dispatch_case(actor=people.dispatcher, case=fresh(case), lead=people.cg)
    task = case.tasks.get()
    take_task(actor=people.handler, task=task)

    with pytest.raises(InvalidInput) as refused:
        handle_task(actor=people.handler, task=fresh(case).tasks.get(), result=" ")

    assert [str(m) for m in refused.value.fields["result"]] == ["请填写办理情况。"]


def test_the_rating_form_asks_why_when_dissatisfied(client, people, closed):
    client.force_login(people.courier)

    page = client.post(
        f"/cases/{closed.pk}/rate/",
        {"rate-version": closed.version, "rate-rating": "dissatisfied", "rate-comment": ""},
    )

    assert "请说明不满意的原因。" in page.content.decode()
    assert fresh(closed).rating == ""
