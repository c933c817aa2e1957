"""The fast intake (POST /api/v1/reports): a report is taken into a receipt and answered at
once; the filer files it as a case in the background, with nothing lost and nothing twice."""

import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from zhili.audit.models import AuditRecord
from zhili.cases.models import (
    Case,
    CaseFollower,
    Category,
    Channel,
    Receipt,
    ReceiptStatus,
)
from zhili.cases.services import intake
from zhili.cases.tests.conftest import IN_G1, as_user
from zhili.cases.tests.test_api import issue, post, report_payload
from zhili.core.permissions import Role
from zhili.core.tasks import HOUSEKEEPING
from zhili.people.models import RoleGrant
from zhili.people.tests.helpers import zh

REPORTS = "/api/v1/reports/"
OUTSIDE = "This point lies outside every place we know."
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def send(client, loop, key="", **overrides):
    headers = {"Idempotency-Key": key} if key else {}
    return post(client, REPORTS, report_payload(loop, **overrides), **headers)


def filers_queued() -> int:
    return DBTaskResult.objects.filter(task_path="zhili.cases.tasks.file_reports").count()


def test_a_report_is_answered_at_once_and_filed_by_the_filer(client, loop):
    as_user(client, loop.courier)
    answer = send(client, loop, key="k-1", address="翠平路12号")
    assert answer.status_code == 202
    receipt = answer.json()
    assert receipt["status"] == "pending" and receipt["status_label"] == "待登记"
    assert receipt["case_id"] is None and receipt["case_number"] == ""
    assert answer.headers["Location"] == f"{REPORTS}{receipt['id']}"
    assert Case.objects.count() == 0  # taken in, not filed yet

    outcomes = intake.file_pending()
    assert outcomes["filed"] == 1

    followed = client.get(answer.headers["Location"]).json()
    assert followed["status"] == "filed" and followed["status_label"] == "已登记"
    case = Case.objects.get()
    assert followed["case_id"] == case.pk and followed["case_number"] == case.number
    assert client.get(followed["case_url"]).json()["number"] == case.number
    # Filed as the report form files: in its grid, by the courier, who follows it, with the
    # clock started when the report was taken in, not when it was filed.
    stored = Receipt.objects.get()
    assert case.place.code.endswith("g1") or case.place.kind == "grid"
    assert case.channel == Channel.COURIER and case.reporter == loop.courier
    assert case.address == "翠平路12号"
    assert case.reported_at == stored.received_at
    assert case.events.get().at == stored.received_at
    assert CaseFollower.objects.filter(case=case, user=loop.courier).exists()
    assert stored.decided_at >= stored.received_at


def test_the_same_report_sent_three_times_is_one_receipt_and_one_case(
    client, loop, django_capture_on_commit_callbacks
):
    as_user(client, loop.courier)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [send(client, loop, key="same") for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 200, 200]
    assert len({a.json()["id"] for a in answers}) == 1
    # A retry of a receipt still pending queues its filer again (the first may be lost).
    assert filers_queued() == 3
    intake.file_pending()
    # Sent once more after filing: still the same receipt, now with its case, and no filer.
    with django_capture_on_commit_callbacks(execute=True):
        again = send(client, loop, key="same")
    assert filers_queued() == 3
    assert again.status_code == 200 and again.json()["status"] == "filed"
    assert Receipt.objects.count() == 1 and Case.objects.count() == 1


def test_the_answer_to_a_report_is_the_receipt_as_followed(client, loop):
    """POST hands its answer over as built; GET passes the same through ReceiptOut."""
    as_user(client, loop.courier)
    answers = {
        "pending": send(client, loop, key="pending"),
        "filed": send(client, loop, key="filed"),
        "refused": send(client, loop, key="refused", longitude=10.0, latitude=10.0),
    }
    followed = client.get(answers["pending"]["Location"])
    assert answers["pending"].json() == followed.json()
    assert answers["pending"]["Content-Type"] == followed["Content-Type"]
    intake.file_pending()
    for key, first in answers.items():
        again = send(client, loop, key=key)  # a retry: the receipt now, as POST answers it
        assert again.status_code == 200
        assert again.json() == client.get(first["Location"]).json()
        assert again.json()["status"] == ("filed" if key == "pending" else key)
    assert again.json()["errors"]["fields"] == {"longitude": [zh(OUTSIDE)]}
    filed = send(client, loop, key="filed").json()
    assert filed["case_number"] and filed["case_url"].startswith("/api/v1/cases/")


def test_a_key_sent_to_both_intakes_makes_one_case(client, loop):
    as_user(client, loop.courier)
    direct = post(client, "/api/v1/cases/", report_payload(loop), **{"Idempotency-Key": "both"})
    assert direct.status_code == 201
    send(client, loop, key="both")
    intake.file_pending()
    receipt = Receipt.objects.get()
    assert receipt.status == ReceiptStatus.FILED and receipt.case_id == direct.json()["id"]
    assert Case.objects.count() == 1


def test_errors_that_need_no_map_come_back_at_once_and_keep_nothing(client, loop):
    as_user(client, loop.courier)
    answer = send(
        client, loop, category_id=999_999, description="  ", longitude=None, latitude=None
    )
    assert answer.status_code == 400
    fields = answer.json()["fields"]
    assert set(fields) == {"category_id", "description", "longitude"}
    assert fields["description"] == [zh("Say what the problem is.")]
    urgency = send(client, loop, urgency="whenever")
    assert urgency.status_code == 400 and "urgency" in urgency.json()["fields"]
    kind = post(client, REPORTS, {"category_id": "parking", "description": "x"})
    assert kind.status_code == 400 and "category_id" in kind.json()["fields"]
    huge = send(client, loop, category_id=2**70)
    assert huge.status_code == 400 and "category_id" in huge.json()["fields"]
    assert Receipt.objects.count() == 0


def test_a_point_outside_the_city_is_refused_at_filing_with_its_field(client, loop):
    as_user(client, loop.courier)
    outside = send(client, loop, longitude=10.0, latitude=10.0).json()
    unknown = send(client, loop, longitude=None, latitude=None, place_id=987_654).json()
    assert intake.file_pending()["refused"] == 2
    for receipt, field, message in (
        (outside, "longitude", OUTSIDE),
        (unknown, "place_id", "Choose a place from the list."),
    ):
        refused = client.get(f"{REPORTS}{receipt['id']}").json()
        assert refused["status"] == "refused" and refused["status_label"] == "未予登记"
        assert refused["case_id"] is None
        assert refused["errors"]["code"] == "invalid"
        assert refused["errors"]["fields"] == {field: [zh(message)]}
    assert Case.objects.count() == 0
    # The refusal is on the record, with the reporter it concerned.
    refusals = AuditRecord.objects.filter(action="receipt.refuse")
    assert refusals.count() == 2
    assert {r.changes["reporter"][1] for r in refusals} == {loop.courier.username}


def test_only_reporting_roles_take_reports_in(client, loop):
    anonymous = send(client, loop)
    assert anonymous.status_code == 401
    as_user(client, loop.handler)  # a department's handler reports through the centre
    refused = send(client, loop)
    assert refused.status_code == 403
    assert refused.json()["message"] == zh("Your role does not allow this.")
    assert Receipt.objects.count() == 0


def test_a_receipt_is_its_reporters_alone(client, loop):
    as_user(client, loop.courier)
    receipt = send(client, loop).json()
    as_user(client, loop.dispatcher)
    assert client.get(f"{REPORTS}{receipt['id']}").status_code == 404
    assert client.get(f"{REPORTS}999999").status_code == 404


def test_a_reporter_who_lost_the_role_before_filing_is_refused(client, loop):
    as_user(client, loop.courier)
    receipt = send(client, loop).json()
    RoleGrant.objects.filter(user=loop.courier, role=Role.COURIER).delete()
    intake.file_pending()
    stored = Receipt.objects.get(pk=receipt["id"])
    assert stored.status == ReceiptStatus.REFUSED and stored.errors["code"] == "forbidden"
    assert Case.objects.count() == 0


def test_a_filer_that_crashes_keeps_the_report_and_gives_up_after_a_few_tries(
    client, loop, monkeypatch, django_capture_on_commit_callbacks
):
    as_user(client, loop.courier)
    receipt = send(client, loop).json()

    def outage(**kwargs):
        raise ConnectionError("the database went away")

    # Together (the batch filer) and then one at a time (report_case), filing fails.
    monkeypatch.setattr(intake, "file_together", lambda pks: outage())
    monkeypatch.setattr(intake, "report_case", outage)
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.file_pending()["failed"] == 0
    # Tried again later: a filer run is queued for then (30 s on, doubling).
    [later] = DBTaskResult.objects.filter(task_path="zhili.cases.tasks.file_reports")
    assert 25 < (later.run_after - later.enqueued_at).total_seconds() < 35
    for attempt in range(2, intake.MAX_ATTEMPTS):
        assert intake.file_pending()["failed"] == 0
        stored = Receipt.objects.get(pk=receipt["id"])
        assert stored.status == ReceiptStatus.PENDING and stored.attempts == attempt
    assert intake.file_pending()["failed"] == 1
    failed = client.get(f"{REPORTS}{receipt['id']}").json()
    assert failed["status"] == "failed" and failed["status_label"] == "登记失败"
    assert failed["errors"]["code"] == "failed"
    assert failed["errors"]["message"] == zh(intake.FAILED_MESSAGE)
    # The outage over, a newer report files; the failed one waits for the administrators.
    monkeypatch.undo()
    send(client, loop)
    assert intake.file_pending()["filed"] == 1
    assert Receipt.objects.get(pk=receipt["id"]).status == ReceiptStatus.FAILED


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between jobs
@override_settings(TASKS=DB_TASKS)
def test_the_worker_files_what_was_taken_in(client, loop):
    as_user(client, loop.courier)
    first = send(client, loop, key="w-1").json()
    second = send(client, loop, key="w-2").json()
    assert filers_queued() == 2  # no shared cache here: each receipt queues a filer
    call_command("worker", "--burst")
    statuses = {r.pk: r.status for r in Receipt.objects.all()}
    assert statuses == {first["id"]: "filed", second["id"]: "filed"}
    assert Case.objects.count() == 2


@pytest.fixture
def shared_cache(monkeypatch):
    """The intake as with Redis (one cache for every process), on this process's cache."""
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(intake, "_shared_cache", lambda: True)
    monkeypatch.setattr(intake, "_assured_at", -10.0)
    yield
    cache.clear()


def test_a_burst_queues_one_filer_and_the_next_report_after_it_started_another(
    client, loop, shared_cache, django_capture_on_commit_callbacks
):
    as_user(client, loop.courier)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            send(client, loop, key=f"s-{n}")
    assert filers_queued() == 1
    assert intake.file_pending()["filed"] == 5  # it looks for a second after it starts
    with django_capture_on_commit_callbacks(execute=True):
        send(client, loop, key="s-after")
    assert filers_queued() == 2


def test_a_backlog_calls_helpers_and_a_helper_calls_none(
    client, loop, settings, monkeypatch, shared_cache
):
    settings.INTAKE_FILERS = 3
    monkeypatch.setattr(intake, "BATCH", 4)
    as_user(client, loop.courier)
    for n in range(4):
        send(client, loop, key=f"b-{n}")
    intake.file_pending()  # a batch, no more: no helpers
    assert filers_queued() == 0
    for n in range(5):
        send(client, loop, key=f"c-{n}")
    assert intake.file_pending()["filed"] == 5
    helpers = DBTaskResult.objects.filter(task_path="zhili.cases.tasks.file_reports")
    assert [h.args_kwargs["kwargs"] for h in helpers] == [{"helper": True}] * 2
    for n in range(5):
        send(client, loop, key=f"d-{n}")
    intake.file_pending(helper=True)
    assert helpers.count() == 2


def test_housekeeping_runs_the_filer_for_a_lost_job():
    assert "file_reports" in {job.name for job in HOUSEKEEPING}


@pytest.mark.redis
def test_with_redis_a_burst_queues_one_filer_at_a_time(
    client, loop, redis_cache, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(intake, "_assured_at", -10.0)
    as_user(client, loop.courier)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            assert send(client, loop, key=f"burst-{n}").status_code == 202
    assert filers_queued() == 1
    assert intake.file_pending()["filed"] == 5
    # The filer cleared the flag before it looked: the next report queues the next filer.
    with django_capture_on_commit_callbacks(execute=True):
        send(client, loop, key="after")
    assert filers_queued() == 2
    assert intake.file_pending()["filed"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_filers_at_once_file_each_report_once(loop):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    lon, lat = IN_G1
    for n in range(30):
        intake.receive_report(
            actor=loop.courier,
            report={
                "category_id": loop.category.pk,
                "description": f"第{n}处井盖缺失",
                "longitude": lon + n * 0.00001,
                "latitude": lat,
            },
            idempotency_key=f"c-{n}",
        )
    start = threading.Barrier(2)
    outcomes = []

    def filer():
        try:
            start.wait()
            outcomes.append(intake.file_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=filer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 2  # both filers ran to the end
    assert sum(o["filed"] for o in outcomes) == 30
    assert Case.objects.count() == 30
    assert not Receipt.objects.exclude(status=ReceiptStatus.FILED).exists()
    assert len(set(Receipt.objects.values_list("case_id", flat=True))) == 30


def test_the_openapi_document_describes_the_intake(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    assert {"/api/v1/reports/", "/api/v1/reports/{receipt_id}"} <= set(document["paths"])
    answers = document["paths"]["/api/v1/reports/"]["post"]["responses"]
    assert {"200", "202"} <= set(answers)


RECEIPTS = "/admin/cases/receipt/"


def failed_receipt(client, loop, monkeypatch):
    as_user(client, loop.courier)
    receipt = Receipt.objects.get(pk=send(client, loop).json()["id"])
    monkeypatch.setattr(intake, "MAX_ATTEMPTS", 1)
    monkeypatch.setattr(intake, "file_together", lambda pks: 1 / 0)
    monkeypatch.setattr(intake, "report_case", lambda **kwargs: 1 / 0)
    assert intake.file_pending()["failed"] == 1
    monkeypatch.undo()
    receipt.refresh_from_db()
    return receipt


def test_the_administrator_sees_failed_reports_and_files_them_again(client, loop, monkeypatch):
    receipt = failed_receipt(client, loop, monkeypatch)
    as_user(client, loop.admin)
    listed = client.get(f"{RECEIPTS}?status__exact=failed")
    assert listed.status_code == 200 and f"{RECEIPTS}{receipt.pk}/change/" in listed.text
    detail = client.get(f"{RECEIPTS}{receipt.pk}/change/")
    assert detail.status_code == 200 and "井盖缺失" in detail.text
    answer = client.post(RECEIPTS, {"action": "retry", "_selected_action": [receipt.pk]})
    assert answer.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts, receipt.errors) == ("pending", 0, {})
    assert AuditRecord.objects.filter(action="receipt.retry", actor=loop.admin).count() == 1
    assert intake.file_pending()["filed"] == 1


@pytest.mark.parametrize("role", ["dispatcher", "coordinator", "handler", "courier"])
def test_nobody_else_sees_the_receipts(client, loop, monkeypatch, role):
    receipt = failed_receipt(client, loop, monkeypatch)
    as_user(client, getattr(loop, role))
    for path in (RECEIPTS, f"{RECEIPTS}{receipt.pk}/change/"):
        assert client.get(path).status_code in (302, 403), path
    client.post(RECEIPTS, {"action": "retry", "_selected_action": [receipt.pk]})
    receipt.refresh_from_db()
    assert receipt.status == "failed"


def test_filers_wait_while_a_burst_comes_in_and_file_when_it_ebbs(
    client, loop, settings, monkeypatch
):
    settings.INTAKE_YIELD_ABOVE = 100
    clock = {"now": 1000.0}
    monkeypatch.setattr(intake.time, "monotonic", lambda: clock["now"])
    slept = []

    def sleep(seconds):  # the burst goes on while the filer waits: 300 reports a second
        slept.append(seconds)
        clock["now"] += seconds
        if len(slept) <= 3:
            for n in range(150):
                intake.receive_report(
                    actor=loop.courier,
                    report=report_payload(loop, description=f"第{len(slept)}-{n}处"),
                )

    monkeypatch.setattr(intake.time, "sleep", sleep)
    gauge = intake.ArrivalGauge()
    clock["now"] += 0.5
    for _n in range(150):  # 300 a second so far
        intake.receive_report(actor=loop.courier, report=report_payload(loop))
    waited = gauge.wait_while_busy()
    # It waited while 300 a second came in, and stopped waiting once they stopped.
    assert slept == [intake.YIELD_PAUSE] * 4 and waited == 4 * intake.YIELD_PAUSE
    clock["now"] += 1.0
    assert gauge.wait_while_busy() == 0  # quiet now: nothing came in this second
    for _n in range(150):  # 150 in the next half second: busy again
        intake.receive_report(actor=loop.courier, report=report_payload(loop))
    clock["now"] += 0.5
    settings.INTAKE_YIELD_ABOVE = 0
    assert gauge.wait_while_busy() == 0  # switched off


CHOOSE_A_CATEGORY = "Choose a category from the list."


def test_a_category_changed_elsewhere_is_kept_a_few_seconds_and_then_refused(client, loop):
    as_user(client, loop.courier)
    assert send(client, loop).status_code == 202  # this process now keeps the categories
    assert intake.file_pending()["filed"] == 1
    # Deactivated by another process (no signal reaches this one): taken in meanwhile, and
    # refused by the filer, which checks again, with the error the intake would have given.
    Category.objects.filter(pk=loop.category.pk).update(is_active=False)
    stale = send(client, loop)
    assert stale.status_code == 202
    assert intake.file_pending() == {"pending": 0, "filed": 0, "refused": 1, "failed": 0}
    refused = client.get(f"{REPORTS}{stale.json()['id']}").json()
    assert refused["status"] == "refused"
    assert refused["errors"]["fields"] == {"category_id": [zh(CHOOSE_A_CATEGORY)]}
    # CATEGORIES_FOR seconds on, the intake reads them again and answers at once.
    intake.categories.loaded_at -= intake.CATEGORIES_FOR
    fresh = send(client, loop)
    assert fresh.status_code == 400
    assert fresh.json()["fields"] == {"category_id": [zh(CHOOSE_A_CATEGORY)]}
    assert Receipt.objects.count() == 2


def test_a_new_category_is_taken_at_once_and_one_saved_here_clears_the_cache(client, loop):
    as_user(client, loop.courier)
    assert send(client, loop).status_code == 202
    # Added by another process (bulk_create sends no signal): not kept yet, so looked up.
    [added] = Category.objects.bulk_create([Category(code="thrown", name="高空抛物")])
    assert send(client, loop, category_id=added.pk).status_code == 202
    # Deactivated in this process (the admin's save): refused at once.
    loop.category.is_active = False
    loop.category.save()
    answer = send(client, loop)
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"category_id": [zh(CHOOSE_A_CATEGORY)]}


def test_a_program_reports_with_two_statements_the_token_check_and_the_receipt(
    program, loop, django_assert_num_queries
):
    bearer = {"Authorization": f"Bearer {issue(loop.courier, 'app')}"}
    assert post(program, REPORTS, report_payload(loop), **bearer).status_code == 202
    with django_assert_num_queries(2):  # categories kept, the token used a moment ago
        answer = post(program, REPORTS, report_payload(loop), **bearer)
    assert answer.status_code == 202
    assert Receipt.objects.filter(reporter=loop.courier).count() == 2


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)  # each half on a connection of its own
def test_on_postgresql_the_hot_statements_are_prepared_unless_switched_off(program, loop, settings):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    bearer = {"Authorization": f"Bearer {issue(loop.courier, 'app')}"}
    settings.DB_PREPARED_STATEMENTS = False
    connection.close()
    for _n in range(3):
        assert post(program, REPORTS, report_payload(loop), **bearer).status_code == 202
    assert prepared_statements() == []  # as behind a pooler that cannot keep them

    settings.DB_PREPARED_STATEMENTS = True
    connection.close()
    for _n in range(3):
        assert post(program, REPORTS, report_payload(loop), **bearer).status_code == 202
    prepared = prepared_statements()
    assert len(prepared) == 2  # each prepared once on this connection, run three times
    assert any("people_apitoken" in sql for sql in prepared)
    assert any(sql.startswith('INSERT INTO "cases_receipt"') for sql in prepared)
    assert Receipt.objects.filter(reporter=loop.courier).count() == 6
    # Only while they run: Django's own statements are neither counted nor prepared.
    assert connection.connection.prepare_threshold is None
    # A rolled-back transaction makes psycopg drop every prepared statement (DEALLOCATE ALL);
    # the next report prepares them again.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        post(program, REPORTS, report_payload(loop), **bearer)
        1 / 0  # noqa: B018
    assert prepared_statements() == []
    assert post(program, REPORTS, report_payload(loop), **bearer).status_code == 202
    assert len(prepared_statements()) == 2
    # A key sent again still finds its receipt, through the prepared INSERT.
    key = {"Idempotency-Key": "p"}
    first = post(program, REPORTS, report_payload(loop), **bearer, **key)
    again = post(program, REPORTS, report_payload(loop), **bearer, **key)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
