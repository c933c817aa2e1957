"""The inbox: each user's own, newest first, read and unread, and the badge on every page."""

import pytest
from django.core import mail

from zhili.core.errors import NotFound
from zhili.core.tasks import send_email
from zhili.notifications.models import Notification
from zhili.notifications.selectors import inbox_for, unread_count
from zhili.notifications.services import mark_all_read, mark_read
from zhili.notifications.tests.helpers import dispatched
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import by_testid, one_testid, parse

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}


@pytest.fixture
def two_tasks(people):
    """Two cases dispatched to 城管: two notifications for its handler, the second newer."""
    first, second = dispatched(people), dispatched(people)
    return first, second


def test_the_inbox_is_the_owners_newest_first(people, two_tasks):
    first, second = two_tasks
    assert [n.case for n in inbox_for(people.handler)] == [second, first]
    assert list(inbox_for(people.police_handler)) == []
    assert list(inbox_for(people.outsider)) == []


def test_marking_read_one_and_all(people, two_tasks):
    newer, older = inbox_for(people.handler)
    assert unread_count(people.handler) == 2

    mark_read(actor=people.handler, notification=older)
    assert unread_count(people.handler) == 1
    read_at = Notification.objects.get(pk=older.pk).read_at
    assert read_at is not None
    mark_read(actor=people.handler, notification=older)  # again: nothing changes
    assert Notification.objects.get(pk=older.pk).read_at == read_at

    assert mark_all_read(actor=people.handler) == 1
    assert unread_count(people.handler) == 0


def test_nobody_marks_anothers_notification(people, two_tasks):
    notification = inbox_for(people.handler).first()
    with pytest.raises(NotFound):
        mark_read(actor=people.police_handler, notification=notification)
    assert mark_all_read(actor=people.police_handler) == 0
    assert unread_count(people.handler) == 2


def test_the_unread_count_is_one_query(people, two_tasks, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert unread_count(people.handler) == 2


# --- Pages ----------------------------------------------------------------------------------


def items(response) -> list:
    assert response.status_code == 200
    return parse(response.content).find_all(data_testid="notification")


def test_the_inbox_page_shows_unread_in_bold_and_links_to_the_case(client, people, two_tasks):
    first, second = two_tasks
    mark_read(
        actor=people.handler,
        notification=Notification.objects.get(case=first, recipient=people.handler),
    )
    client.force_login(people.handler)

    newer, older = items(client.get("/notifications/"))

    assert newer.find_all("a")[0].attrs["href"] == f"/cases/{second.pk}/"
    assert newer.attrs["data-unread"] == "1" and newer.find_all("strong") != []
    assert len(newer.find_all(data_testid="mark-read")) == 1
    assert older.attrs["data-unread"] == "0" and older.find_all("strong") == []
    assert older.find_all(data_testid="mark-read") == []


def test_the_badge_counts_unread_on_every_page(client, people, two_tasks):
    client.force_login(people.handler)
    assert one_testid(client.get("/").content, "unread-count") == "2"

    client.post("/notifications/read-all")

    assert by_testid(client.get("/").content, "unread-count") == []


def test_marking_read_on_the_page(client, people, two_tasks):
    notification = inbox_for(people.handler).first()
    client.force_login(people.handler)

    response = client.post(f"/notifications/{notification.pk}/read")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None

    other = inbox_for(people.handler).last()
    fragment = client.post(f"/notifications/{other.pk}/read", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    [item] = parse(fragment.content).find_all(data_testid="notification")
    assert item.attrs["data-unread"] == "0"


@pytest.mark.parametrize("who", ["police_handler", "dispatcher", "outsider"])
def test_someone_elses_notification_is_not_found(client, people, two_tasks, who):
    notification = inbox_for(people.handler).first()
    client.force_login(getattr(people, who))

    assert client.post(f"/notifications/{notification.pk}/read").status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert items(client.get("/notifications/")) == []


def test_the_inbox_needs_a_sign_in_and_the_right_method(client, people, two_tasks):
    notification = inbox_for(people.handler).first()
    assert client.get("/notifications/")["Location"] == "/login/?next=/notifications/"
    client.force_login(people.handler)
    assert client.get(f"/notifications/{notification.pk}/read").status_code == 405
    assert client.get("/notifications/read-all").status_code == 405
    assert client.post("/notifications/").status_code == 405


def test_an_empty_inbox_says_so(client, people):
    client.force_login(people.outsider)
    page = client.get("/notifications/").content.decode()
    assert zh("Nothing here yet.") in page


# --- E-mail ---------------------------------------------------------------------------------


def test_no_mail_without_a_mail_server(people, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    people.handler.email = "cg@example.org"
    people.handler.save()
    with django_capture_on_commit_callbacks() as callbacks:
        dispatched(people)
    assert [c for c in callbacks if getattr(c, "func", None) == send_email.enqueue] == []


def test_mail_is_queued_after_the_commit_for_recipients_with_an_address(
    people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.TASKS = IMMEDIATE_TASKS
    settings.ZHILI_SITE_URL = "https://zhili.example.org/"
    people.handler.email = "cg@example.org"
    people.handler.save()  # the police handler has no address: in-app only

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = dispatched(people, people.police)
    assert mail.outbox == []  # nothing leaves before the commit
    queued = [c for c in callbacks if getattr(c, "func", None) == send_email.enqueue]
    assert [c.keywords["recipients"] for c in queued] == [["cg@example.org"]]

    for callback in queued:
        callback()  # the commit; the immediate backend sends at once
    [message] = mail.outbox
    notification = Notification.objects.get(recipient=people.handler)
    assert (message.to, message.subject) == (["cg@example.org"], notification.title)
    assert f"https://zhili.example.org/cases/{case.pk}/" in message.body
