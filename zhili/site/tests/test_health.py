"""GET /healthz: 200 with {"status": "ok"} while the database answers, 503 when it does not."""

from unittest import mock

from django.db import OperationalError, connection


def test_healthy_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert "no-cache" in response["Cache-Control"]  # a monitor must never see a cached answer


def test_unavailable_when_the_database_cannot_be_reached(client, db):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "error",
        "detail": "OperationalError",
    }
    assert "connection refused" not in response.content.decode()  # no internals to the world


def test_unavailable_when_the_query_fails(client, db):
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("disk I/O error")
    with mock.patch.object(connection, "cursor", return_value=broken):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_no_sign_in_is_needed(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.session.get("_auth_user_id") is None


def test_only_get_is_answered(client, db):
    assert client.post("/healthz").status_code == 405
