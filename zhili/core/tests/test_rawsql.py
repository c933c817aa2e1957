"""The plain-SQL helpers of the hottest paths hand over what the ORM would: the same values,
times aware in UTC, JSON decoded; and a unique clash is an answer, not an error."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhili.cases.models import Receipt
from zhili.core import rawsql
from zhili.people.models import User


@pytest.fixture
def courier(db):
    return User.objects.create(username="rawsql-courier", full_name="李快递")


def a_receipt(courier, key="k"):
    return Receipt(
        reporter=courier,
        idempotency_key=key,
        payload={"description": "井盖缺失", "longitude": 117.1, "attributes": {"深": True}},
        received_at=dt.datetime(2026, 10, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
    )


def test_a_row_inserted_and_read_back_is_what_the_orm_reads(courier):
    pk = rawsql.insert_unless_conflict(a_receipt(courier))
    stored = Receipt.objects.get(pk=pk)
    loaded = rawsql.load_by_pk(Receipt, pk, ("id", "payload", "received_at", "decided_at"))
    assert (
        loaded.payload
        == stored.payload
        == {
            "description": "井盖缺失",
            "longitude": 117.1,
            "attributes": {"深": True},
        }
    )
    assert loaded.received_at == stored.received_at
    assert loaded.received_at.utcoffset() == dt.timedelta(0)
    assert loaded.received_at.microsecond == 123456
    assert loaded.decided_at is None
    assert rawsql.load_by_pk(Receipt, pk + 1000, ("id",)) is None
    assert rawsql.load_by_pk(Receipt, 2**70, ("id",)) is None  # no overflow, no row


def test_a_clash_on_a_unique_key_answers_none_and_keeps_the_transaction(courier):
    with transaction.atomic():
        first = rawsql.insert_unless_conflict(a_receipt(courier, key="same"))
        assert rawsql.insert_unless_conflict(a_receipt(courier, key="same")) is None
        # Still usable: a failed INSERT would have broken the transaction.
        second = rawsql.insert_unless_conflict(a_receipt(courier, key="other"))
    assert first and second and Receipt.objects.count() == 2


def test_the_statements_are_logged_as_djangos_own(courier):
    with CaptureQueriesContext(connection) as queries:
        rawsql.insert_unless_conflict(a_receipt(courier))
    [insert] = queries.captured_queries
    assert "cases_receipt" in insert["sql"] and "ON CONFLICT DO NOTHING" in insert["sql"]
