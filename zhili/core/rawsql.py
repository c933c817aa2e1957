"""Model instances from plain SQL, for the few reads on the hottest paths (the API's token
check, the report intake) where building the ORM's query costs several times the round trip
to the database (bench/bench_intake.py; docs/benchmarks.md). Everywhere else: the ORM."""

import datetime as dt

from django.db import connection, models
from django.utils import timezone


def columns(model: type[models.Model], names: tuple[str, ...], alias: str = "") -> list:
    """The model's concrete fields among `names`, in the model's order (the order
    instance_from_row wants), and the SQL list of their columns, prefixed with `alias.`."""
    fields = [f for f in model._meta.concrete_fields if f.attname in names]
    prefix = f"{alias}." if alias else ""
    return fields, ", ".join(prefix + connection.ops.quote_name(f.column) for f in fields)


def python_value(field: models.Field, value):
    """A column's value as the ORM would hand it over (SQLite answers booleans as numbers and
    times as naive UTC; JSON arrives as text)."""
    if value is None:
        return None
    if hasattr(field, "from_db_value"):
        value = field.from_db_value(value, None, connection)
    if isinstance(field, models.DateTimeField):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if timezone.is_naive(value):
            value = value.replace(tzinfo=dt.UTC)
        return value
    if isinstance(field, models.BooleanField):
        return bool(value)
    return value


def instance_from_row(model: type[models.Model], fields: list, values) -> models.Model:
    """An instance with `fields` (from columns()) loaded from `values`; the model's other
    fields are deferred, read by the ORM when first touched."""
    return model.from_db(
        connection.alias,
        [f.attname for f in fields],
        [python_value(f, v) for f, v in zip(fields, values, strict=True)],
    )


def load_by_pk(model: type[models.Model], pk, names: tuple[str, ...]) -> models.Model | None:
    """The row with this primary key, with the fields `names` loaded, or None."""
    if not isinstance(pk, int) or not 0 < pk < 2**63:  # no such row (and no overflow)
        return None
    fields, sql = columns(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        # Only names from the model's own definition are spliced in; the value is a parameter.
        cursor.execute(f"SELECT {sql} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else instance_from_row(model, fields, row)


def insert_unless_conflict(instance: models.Model):
    """INSERT the new instance's row unless it breaks a unique constraint; its primary key,
    or None when a row with the same unique values is there already. One statement (ON
    CONFLICT DO NOTHING … RETURNING, PostgreSQL and SQLite 3.35+), which keeps a
    surrounding transaction usable, where a failed INSERT would need a savepoint."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    pk_column = connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        # Only names from the model's own definition are spliced in; values are parameters.
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {pk_column}",
            values,
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
