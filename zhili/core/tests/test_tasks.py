"""A background task end to end, on the database backend and on RQ over a real Redis."""

import datetime as dt
import os

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus

from zhili.core.tasks import clear_expired_sessions, send_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


def _sessions():
    now = timezone.now()
    Session.objects.create(
        session_key="old", session_data="x", expire_date=now - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=now + dt.timedelta(days=1)
    )


@pytest.mark.django_db(transaction=True)  # workers close connections between jobs
@override_settings(TASKS=DB_TASKS)
def test_database_backend_runs_a_queued_task_in_the_worker():
    _sessions()
    result = clear_expired_sessions.enqueue()
    # Queued, not run: the expired session is still there until a worker takes the job.
    assert Session.objects.filter(session_key="old").exists()
    call_command("worker", "--burst")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db(transaction=True)  # workers close connections between jobs
@override_settings(TASKS=DB_TASKS, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_email_goes_out_through_the_queue():
    send_email.enqueue(recipients=["centre@example.org"], subject="测试", body="正文")
    assert mail.outbox == []
    call_command("worker", "--burst")
    assert [m.subject for m in mail.outbox] == ["测试"]
    assert mail.outbox[0].to == ["centre@example.org"]


@pytest.mark.django_db(transaction=True)  # workers close connections between jobs
@pytest.mark.redis
def test_rq_backend_runs_a_queued_task_on_real_redis(settings):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide REDIS_URL so that the RQ backend is tested")
        pytest.skip("REDIS_URL is not set")
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = RQ_TASKS
    queue = django_rq.get_queue("default")
    queue.empty()
    _sessions()
    result = clear_expired_sessions.enqueue()
    assert queue.count == 1
    assert Session.objects.filter(session_key="old").exists()
    # A SimpleWorker runs jobs in this process, so it shares the test's database connection.
    call_command(
        "rqworker",
        "default",
        "--burst",
        "--job-class",
        "django_tasks_rq.Job",
        "--worker-class",
        "rq.SimpleWorker",
    )
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
