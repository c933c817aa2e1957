"""Exports: asked for on a page, built by a worker, downloaded by the requester alone.

The person registry's export (registered by zhili.people) is the kind these stories use;
the city and cast are zhili/conftest.py's. Files go to an in-memory store (conftest.py),
which has no local path, as an S3-compatible store has none.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from zhili.audit.models import AuditRecord
from zhili.core.errors import Forbidden, InvalidInput
from zhili.core.permissions import Role
from zhili.core.tasks import HOUSEKEEPING
from zhili.exports import registry
from zhili.exports.models import Export, ExportStatus
from zhili.exports.registry import ExportKind
from zhili.exports.services import request_export
from zhili.exports.tasks import run_export, tidy_exports
from zhili.exports.tests.helpers import downloaded, export_of, sheet_rows, work
from zhili.people.models import RoleGrant
from zhili.people.tests.helpers import AuditWatch, zh
from zhili.people.tests.html import comparable, parse

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
HEADER = (
    "姓名",
    "性别",
    "出生日期",
    "手机号",
    "身份证号",
    "政治面貌",
    "党员状态",
    "学历",
    "来源",
    "居住地点",
    "详细地址",
)


def signed_in(client, user):
    client.force_login(user)
    return client


def ask(client, key: str = "form-1", **extra) -> Export:
    return export_of(client.post("/people/export/", {"idempotency_key": key}, **extra))


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
@override_settings(TASKS=DB_TASKS)
def test_a_worker_builds_each_requesters_export_masked_as_they_see_it(
    client, cast, people_everywhere
):
    secretary_export = ask(signed_in(client, cast.secretary))
    coordinator_export = ask(signed_in(client, cast.coordinator))
    # Queued, not built: nothing to download until a worker has taken the job.
    assert client.get(f"/exports/{coordinator_export.pk}/download").status_code == 404

    call_command("worker", "--burst")

    secretary_export.refresh_from_db()
    coordinator_export.refresh_from_db()
    assert (secretary_export.status, secretary_export.row_count) == (ExportStatus.DONE, 3)
    assert (coordinator_export.status, coordinator_export.row_count) == (ExportStatus.DONE, 4)

    header, *rows = sheet_rows(downloaded(client.get(f"/exports/{coordinator_export.pk}/download")))
    assert header == HEADER
    # 泊阳街道, street coordinator: its two communities, numbers masked.
    jia = people_everywhere.in_c1
    assert [(r[0], r[9]) for r in rows] == [
        ("李快递", "翠平一网格"),
        ("甲一", "翠平一网格"),
        ("王居民", "翠平花园"),
        ("乙二", "东湖一网格"),
    ]
    assert rows[1][3] == jia.phone[:3] + "****" + jia.phone[7:]

    header, *rows = sheet_rows(
        downloaded(
            signed_in(client, cast.secretary).get(f"/exports/{secretary_export.pk}/download")
        )
    )
    # 翠平社区, its secretary: numbers whole.
    assert [(r[0], r[3]) for r in rows] == [
        ("李快递", cast.courier_person.phone),
        ("甲一", jia.phone),
        ("王居民", cast.resident_person.phone),
    ]
    assert [(r.action, r.actor_label) for r in AuditRecord.objects.order_by("id")] == [
        ("export.request", "secretary"),
        ("export.request", "coordinator"),
        ("export.done", "system:worker"),
        ("export.done", "system:worker"),
    ]


def test_a_requester_who_lost_the_right_before_the_job_ran_gets_no_file(client, cast):
    export = ask(signed_in(client, cast.secretary))
    RoleGrant.objects.filter(user=cast.secretary).update(role=Role.GRID_OFFICER)  # no export

    work(export)

    assert export.status == ExportStatus.FAILED
    assert not export.file
    assert export.error == zh("Your role does not allow this.")
    page = client.get(f"/exports/{export.pk}/")
    assert parse(page.content).find_all(data_testid="export-download") == []
    assert zh("Your role does not allow this.") in page.content.decode()
    assert client.get(f"/exports/{export.pk}/download").status_code == 404
    assert [r.action for r in AuditRecord.objects.order_by("id")][-2:] == [
        "export.request",
        "export.fail",
    ]


def test_a_requester_who_loses_the_right_after_the_job_cannot_download_any_more(client, cast):
    export = work(ask(signed_in(client, cast.secretary)))
    RoleGrant.objects.filter(user=cast.secretary).update(role=Role.GRID_OFFICER)

    assert client.get(f"/exports/{export.pk}/download").status_code == 403


@pytest.mark.parametrize("who", ["other_secretary", "admin", "coordinator"])
def test_nobody_else_sees_or_downloads_an_export(client, cast, who):
    export = work(ask(signed_in(client, cast.secretary)))
    client.force_login(getattr(cast, who))
    missing = export.pk + 1000

    for path in (f"/exports/{export.pk}/", f"/exports/{export.pk}/download"):
        response = client.get(path)
        other = path.replace(str(export.pk), str(missing))
        assert response.status_code == 404, path
        assert comparable(response.content, path) == comparable(client.get(other).content, other)
    assert export.filename not in client.get("/exports/").content.decode()


def test_a_doubled_or_retried_submission_makes_one_export(client, cast):
    client = signed_in(client, cast.secretary)
    watch = AuditWatch()

    first = ask(client, key="k-1")
    again = ask(client, key="k-1")
    other_search = ask(client, key="k-2")

    assert again == first != other_search
    assert Export.objects.count() == 2
    assert [r.action for r in watch.new()] == ["export.request", "export.request"]


def test_the_same_key_from_another_user_is_their_own_export(client, cast):
    mine = ask(signed_in(client, cast.secretary), key="k-1")
    theirs = ask(signed_in(client, cast.coordinator), key="k-1")

    assert mine != theirs
    assert (mine.requested_by, theirs.requested_by) == (cast.secretary, cast.coordinator)


def test_the_status_fragment_asks_every_second_until_the_file_is_ready(client, cast):
    export = ask(signed_in(client, cast.secretary))

    page = client.get(f"/exports/{export.pk}/")
    waiting = client.get(f"/exports/{export.pk}/", HTTP_HX_REQUEST="true")
    work(export)
    done = client.get(f"/exports/{export.pk}/", HTTP_HX_REQUEST="true")

    assert "<html" in page.content.decode() and "<html" not in waiting.content.decode()
    [fragment] = parse(waiting.content).find_all(data_testid="export-status")
    assert (fragment.attrs["hx-get"], fragment.attrs["hx-trigger"]) == (
        f"/exports/{export.pk}/",
        "every 1s",
    )
    assert fragment.attrs["data-status"] == "queued"
    assert zh("Waiting in the queue") in fragment.text()
    [fragment] = parse(done.content).find_all(data_testid="export-status")
    assert "hx-trigger" not in fragment.attrs
    assert zh("Done") in fragment.text()
    [link] = fragment.find_all("a", data_testid="export-download")
    assert link.attrs["href"] == f"/exports/{export.pk}/download"


def test_the_download_is_an_attachment_the_browser_keeps_private(client, cast):
    export = work(ask(signed_in(client, cast.secretary)))

    response = client.get(f"/exports/{export.pk}/download")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == f'attachment; filename="{export.filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert export.filename.startswith("people-") and export.file.name.startswith("exports/")


def test_the_list_shows_ones_own_exports_newest_first(client, cast):
    other = work(ask(signed_in(client, cast.other_secretary)))
    first = work(ask(signed_in(client, cast.secretary), key="a"))
    second = ask(client, key="b")

    page = parse(client.get("/exports/").content)

    links = [
        a.attrs["href"]
        for a in page.find_all("a")
        if a.attrs.get("href", "").startswith("/exports/") and a.attrs["href"] != "/exports/"
    ]
    assert links == [f"/exports/{second.pk}/", f"/exports/{first.pk}/"]
    assert f"/exports/{other.pk}/" not in links


def test_a_job_delivered_twice_builds_the_file_once(client, cast):
    export = work(ask(signed_in(client, cast.secretary)))
    name = export.file.name
    watch = AuditWatch()

    work(export)

    assert (export.status, export.file.name) == (ExportStatus.DONE, name)
    assert watch.new() == []


def test_the_sheet_speaks_the_requesters_language(client, cast):
    export = work(ask(signed_in(client, cast.secretary), HTTP_ACCEPT_LANGUAGE="en"))

    header, *_ = sheet_rows(downloaded(client.get(f"/exports/{export.pk}/download")))

    assert header[:4] == ("full name", "gender", "birth date", "phone")


def test_a_searched_number_is_sealed_at_rest_and_masked_in_the_audit(client, cast):
    client = signed_in(client, cast.secretary)
    client.post("/people/", {"q": "139 1234 5678"})
    watch = AuditWatch()

    export = ask(client)

    assert export.params == {
        "q": "139 1234 5678",
        "place": cast.secretary.role_grants.get().place_id,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT params_json FROM exports_export WHERE id = %s", [export.pk])
        [(stored,)] = cursor.fetchall()
    assert "1234" not in stored
    assert export.summary == "翠平社区 · 139****5678"
    [record] = watch.new()
    assert record.changes == {"kind": [None, "people"], "parameters": [None, export.summary]}


# --- the service, for any kind --------------------------------------------------------------


@pytest.fixture
def broken_kind():
    def build(actor, params):
        raise RuntimeError("the disk is full")

    registry.register_export_kind(
        ExportKind(key="broken", label="broken", cap="people.view", build=build)
    )
    yield "broken"
    registry._kinds.pop("broken")


def test_an_unexpected_error_fails_the_export_and_reaches_the_worker_log(cast, broken_kind):
    export = request_export(actor=cast.dispatcher, kind=broken_kind, params={})

    with pytest.raises(RuntimeError):
        work(export)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == zh("The export could not be prepared; please try again later.")


def test_only_holders_of_the_kinds_right_may_ask(cast):
    watch = AuditWatch()

    with pytest.raises(Forbidden):
        request_export(actor=cast.dispatcher, kind="people", params={})
    with pytest.raises(InvalidInput) as unknown:
        request_export(actor=cast.admin, kind="bulletins", params={})

    assert unknown.value.fields == {"kind": [zh("Unknown kind of export.")]}
    assert Export.objects.count() == 0
    assert watch.new() == []


def test_asking_queues_the_job_only_once_the_export_is_committed(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        export = request_export(actor=cast.secretary, kind="people", params={})

    [enqueue] = callbacks
    assert (enqueue.func, enqueue.args) == (run_export.enqueue, (export.pk,))


def test_housekeeping_removes_old_files_and_fails_exports_a_dead_worker_left(client, cast):
    assert tidy_exports in HOUSEKEEPING  # `zhili housekeeping` queues it
    signed_in(client, cast.secretary)
    old = work(ask(client, key="old"))
    fresh = work(ask(client, key="fresh"))
    stuck = ask(client, key="stuck")
    stuck.advance(ExportStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=2))
    Export.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))

    assert tidy_exports.call() == {"files_removed": 1, "stuck_failed": 1}

    old.refresh_from_db()
    fresh.refresh_from_db()
    stuck.refresh_from_db()
    assert not old.file and fresh.file
    assert client.get(f"/exports/{old.pk}/download").status_code == 404
    assert stuck.status == ExportStatus.FAILED and stuck.error
