"""Open311 keys: issued and revoked by the command and in admin, each audited, stored only as
a hash, each filing as its own account; and the per-key rate limit."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhili.audit.models import AuditRecord
from zhili.cases.models import Case
from zhili.core import permissions
from zhili.core.permissions import Cap, Role, SystemActor
from zhili.open311 import keys
from zhili.open311.keys import hash_key
from zhili.open311.models import ApiKey
from zhili.open311.services import issue_key, revoke_key
from zhili.open311.tests.helpers import form, parse
from zhili.people.tests.helpers import zh

pytestmark = pytest.mark.django_db


def command(*args) -> list[str]:
    out = io.StringIO()
    call_command("open311-key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_prints_the_key_last_and_keeps_only_its_hash(client, loop, city):
    lines = command("乐平随手拍")
    raw = lines[-1]
    assert raw.startswith("o311_") and len(raw) > 40
    key = ApiKey.objects.get()
    assert key.key_hash == hash_key(raw)
    assert not ApiKey.objects.filter(key_hash=raw).exists()
    assert raw not in str(list(AuditRecord.objects.values()))
    record = AuditRecord.objects.get(action="open311_key.issue")
    assert (record.actor_label, record.changes["name"]) == (
        "system:open311-key",
        [None, "乐平随手拍"],
    )
    # The key files as its own account, which may report and do nothing else.
    account = key.account
    assert account.username == "open311-乐平随手拍" and not account.has_usable_password()
    assert permissions.roles(account) == {Role.API_CLIENT}
    assert permissions.can(account, Cap.CASES_REPORT)
    assert not permissions.can(account, Cap.CASES_VIEW)
    response = client.post("/open311/v2/requests.json", form(type("K", (), {"raw": raw})))
    assert response.status_code == 200
    assert Case.objects.get().reporter == account


def test_the_command_revokes_by_name_and_a_new_key_keeps_the_account(client, loop, city):
    first = command("乐平随手拍")[-1]
    with pytest.raises(CommandError):
        command("乐平随手拍")  # a live key has this name
    assert command("乐平随手拍", "--revoke") == ["Revoked the Open311 key '乐平随手拍'."]
    assert AuditRecord.objects.filter(action="open311_key.revoke").count() == 1
    refused = client.post("/open311/v2/requests.json", form(type("K", (), {"raw": first})))
    assert refused.status_code == 403
    with pytest.raises(CommandError):
        command("乐平随手拍", "--revoke")  # nothing live to revoke
    second = command("乐平随手拍")[-1]
    old, new = ApiKey.objects.order_by("pk")
    assert new.account == old.account and new.key_hash == hash_key(second)
    other = command("东湖社区通")[-1]
    assert ApiKey.objects.get(key_hash=hash_key(other)).account != old.account


def test_a_key_needs_places_to_file_in(db):
    with pytest.raises(CommandError):
        command("乐平随手拍")
    assert not ApiKey.objects.exists()


def test_only_administrators_issue_and_revoke(loop):
    from zhili.core.errors import Forbidden

    with pytest.raises(Forbidden):
        issue_key(actor=loop.dispatcher, name="乐平随手拍")
    key, _raw = issue_key(actor=loop.admin, name="乐平随手拍")
    with pytest.raises(Forbidden):
        revoke_key(actor=loop.dispatcher, key=key)
    assert revoke_key(actor=loop.admin, key=key) is True
    assert revoke_key(actor=loop.admin, key=key) is False
    actions = list(
        AuditRecord.objects.filter(action__startswith="open311_key")
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [("open311_key.issue", "admin"), ("open311_key.revoke", "admin")]


def test_a_keys_account_and_role_are_made_by_the_people_services_and_audited(loop, city):
    key, _raw = issue_key(actor=loop.admin, name="乐平随手拍")
    account = key.account
    grant = account.role_grants.get()
    assert (grant.role, grant.place, grant.department) == (Role.API_CLIENT, city.city, None)
    trail = [
        (r.action, r.object_id, r.place_path, r.changes)
        for r in AuditRecord.objects.filter(actor=loop.admin).order_by("id")
    ]
    assert trail == [
        (
            "account.create",
            str(account.pk),
            "",
            {"username": [None, "open311-乐平随手拍"], "phone": [None, ""]},
        ),
        (
            "role.grant",
            str(account.pk),
            city.city.path,
            {"role": [None, "Open311 客户端程序 · 乐平市"]},
        ),
        (
            "open311_key.issue",
            str(key.pk),
            city.city.path,
            {"name": [None, "乐平随手拍"], "account": [None, "open311-乐平随手拍"]},
        ),
    ]
    # A new key of a revoked name keeps its account and role: nothing more to create.
    revoke_key(actor=loop.admin, key=key)
    issue_key(actor=loop.admin, name="乐平随手拍")
    assert AuditRecord.objects.filter(action__in=["account.create", "role.grant"]).count() == 2


def test_admin_issues_a_key_shown_once_and_revokes_it(client, loop):
    client.force_login(loop.admin)
    response = client.post("/admin/open311/apikey/add/", {"name": "乐平随手拍"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    raw = response.context["key"]
    assert key.key_hash == hash_key(raw) and raw in response.content.decode()
    assert AuditRecord.objects.filter(action="open311_key.issue", actor=loop.admin).count() == 1
    # Never shown again: the change page has no key to show.
    page = client.get(f"/admin/open311/apikey/{key.pk}/change/")
    assert page.status_code == 200 and raw not in page.content.decode()
    again = client.post("/admin/open311/apikey/add/", {"name": "乐平随手拍"})
    assert again.status_code == 200 and ApiKey.objects.count() == 1  # the form's error
    client.post(
        "/admin/open311/apikey/",
        {"action": "revoke_selected", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditRecord.objects.filter(action="open311_key.revoke", actor=loop.admin).count() == 1
    assert (
        client.post(f"/admin/open311/apikey/{key.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_a_key_may_post_its_allowance_each_minute(client, o311, settings, monkeypatch):
    settings.OPEN311_RATE_LIMIT = 3
    clock = [6000.0]  # minute 100, at its first second
    monkeypatch.setattr(keys.time, "time", lambda: clock[0])
    answers = [
        client.post("/open311/v2/requests.json", form(o311, description=f"第{i}处")).status_code
        for i in range(3)
    ]
    assert answers == [200, 200, 200]
    clock[0] = 6020.5
    refused = client.post("/open311/v2/requests.xml", form(o311, description="第4处"))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    error = parse(refused).find("error")
    assert error.find("code").text == "429"
    assert error.find("description").text == zh(
        "Too many requests with this api_key: at most %(limit)d a minute.", limit=3
    )
    assert Case.objects.count() == 3
    # A GET that presents the key counts too; one without a key does not.
    assert client.get("/open311/v2/services.json", {"api_key": o311.raw}).status_code == 429
    assert client.get("/open311/v2/services.json").status_code == 200
    # Another key has its own allowance.
    _other, other_raw = issue_key(actor=SystemActor("test"), name="东湖社区通")
    assert (
        client.post("/open311/v2/requests.json", form(o311, api_key=other_raw)).status_code == 200
    )
    # The next minute starts afresh.
    clock[0] = 6060.0
    assert (
        client.post("/open311/v2/requests.json", form(o311, description="第5处")).status_code == 200
    )


def test_a_get_with_a_bad_key_is_refused(client, o311):
    response = client.get("/open311/v2/requests.json", {"api_key": "o311_nope"})
    assert response.status_code == 403
    assert parse(response) == [{"code": 403, "description": zh("Invalid api_key.")}]


def test_last_used_is_noted_at_most_every_few_minutes(client, o311):
    assert o311.key.last_used_at is None
    client.post("/open311/v2/requests.json", form(o311))
    o311.key.refresh_from_db()
    first = o311.key.last_used_at
    assert first is not None
    client.post("/open311/v2/requests.json", form(o311, description="再一次"))
    o311.key.refresh_from_db()
    assert o311.key.last_used_at == first


@pytest.mark.redis
def test_the_allowance_is_shared_through_redis(o311, settings, redis_cache):
    settings.OPEN311_RATE_LIMIT = 2
    keys.count_request(o311.key, now=120.0)
    keys.count_request(o311.key, now=150.0)
    with pytest.raises(keys.RateLimited) as refused:
        keys.count_request(o311.key, now=170.2)
    assert refused.value.retry_after == 10
    keys.count_request(o311.key, now=180.0)


def test_the_submission_list_reads_in_a_fixed_number_of_queries(
    client, o311, django_assert_max_num_queries
):
    from zhili.open311.services import file_request
    from zhili.open311.tests.helpers import LAT, LON

    def file(n):
        for i in range(n):
            file_request(
                api_key=o311.key,
                category=o311.category,
                description=f"第{i}件",
                longitude=LON,
                latitude=LAT,
                account_id=f"{n}-{i}",
            )

    client.force_login(o311.admin)
    file(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/admin/open311/submission/").status_code == 200
    file(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/admin/open311/submission/").status_code == 200


def test_issue_and_revoke_are_both_in_the_administrators_audit_list(loop, city):
    key, _raw = issue_key(actor=loop.admin, name="乐平随手拍")
    revoke_key(actor=loop.admin, key=key)
    shown = permissions.scope_filter(
        AuditRecord.objects.filter(action__startswith="open311_key"),
        loop.admin,
        Cap.AUDIT_VIEW,
        "place_path",
    )
    assert sorted(shown.values_list("action", flat=True)) == [
        "open311_key.issue",
        "open311_key.revoke",
    ]
