"""The configuration area shows the notifications sent, and offers no way to add, change or
delete one: an inbox is written by the loop's receivers alone."""

from zhili.cases.tests.conftest import whistle
from zhili.notifications.models import Notification
from zhili.testing.factories import UserFactory


def test_the_admin_site_shows_notifications_read_only(client, loop):
    case = whistle(loop)
    sent = Notification.objects.create(
        recipient=loop.dispatcher, kind="closed", case=case, title="已结案"
    )
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    url = f"/admin/notifications/notification/{sent.pk}/"
    assert client.get("/admin/notifications/notification/").status_code == 200
    page = client.get(f"{url}change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    changed = client.post(
        f"{url}change/", {"recipient": loop.courier.pk, "kind": "closed", "title": "改过"}
    )
    assert changed.status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/notifications/notification/",
        {"action": "delete_selected", "_selected_action": [sent.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)  # no such action: nothing deleted
    sent.refresh_from_db()
    assert (sent.recipient, sent.title) == (loop.dispatcher, "已结案")
