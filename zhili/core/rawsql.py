"""Model instances from plain SQL, for the few statements on the hottest paths (the API's
token check, the report intake) where building the ORM's query costs several times the round
trip to the database (bench/bench_intake.py; docs/benchmarks.md). Everywhere else: the ORM.

On PostgreSQL these statements are also prepared, once per connection (cursor()): planning
the token check's join took 0.3 ms of the server's time on every call, six times running it.
Django's own queries are left as they are: psycopg counts and prepares nothing while the
connection's prepare_threshold is None (Django's default), and only these statements set it,
for the moment they run. DB_PREPARED_STATEMENTS=false turns preparing off, for a connection
pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.22, or
with max_prepared_statements = 0; README.md)."""

import datetime as dt
from functools import cache

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone
from psycopg.pq import Format

# The connection's prepare_threshold while a hot statement runs: a count no statement
# reaches, so that psycopg prepares the statement that asks (prepare=True) and no other.
_ONLY_WHEN_ASKED = 2**31 - 1
TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


def _db():
    return connections[DEFAULT_DB_ALIAS]


class _PreparingCursor(psycopg.Cursor):
    """A psycopg cursor that binds its parameters on the server and prepares each statement
    the first time it runs on the connection (psycopg keeps the prepared ones, by their
    text); Django's own cursors bind on the client and never prepare."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        connection = self.connection
        before = connection.prepare_threshold
        connection.prepare_threshold = _ONLY_WHEN_ASKED
        try:
            return super().execute(query, params, prepare=prepare, binary=binary)
        finally:
            connection.prepare_threshold = before


def cursor():
    """A cursor for the hot statements: Django's, wrapped as Django wraps its own (errors,
    the query log, execute wrappers), preparing its statements on PostgreSQL."""
    db = _db()
    if db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = _PreparingCursor(db.connection)
    # The cursor inherits the connection's loaders (times read in the connection's time zone,
    # UTC with USE_TZ); should that zone have changed since the connection opened, read in
    # the new one, as Django's own create_cursor does.
    loader = db.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if db.timezone != getattr(loader, "timezone", None):
        register_tzloader(db.timezone, raw)
    return _LoggedPreparedCursor(raw, db) if db.queries_logged else db.make_cursor(raw)


class _LoggedPreparedCursor(CursorDebugWrapper):
    """Django's logging cursor (DEBUG, tests), logging a prepared statement's own text:
    Django reads the text back from psycopg, which keeps none for a prepared statement."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@cache
def _columns(model, names: tuple[str, ...], alias: str, vendor: str):
    quote = _db().ops.quote_name
    fields = [f for f in model._meta.concrete_fields if f.attname in names]
    prefix = f"{alias}." if alias else ""
    return fields, ", ".join(prefix + quote(f.column) for f in fields)


def columns(model: type[models.Model], names: tuple[str, ...], alias: str = "") -> tuple:
    """The model's concrete fields among `names`, in the model's order (the order
    instance_from_row wants), and the SQL list of their columns, prefixed with `alias.`."""
    return _columns(model, tuple(names), alias, _db().vendor)


def python_value(field: models.Field, value, db=None):
    """A column's value as the ORM would hand it over (SQLite answers booleans as numbers and
    times as naive UTC; JSON arrives as text)."""
    if value is None:
        return None
    if hasattr(field, "from_db_value"):
        value = field.from_db_value(value, None, db or _db())
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
    db = _db()
    return model.from_db(
        db.alias,
        [f.attname for f in fields],
        [python_value(f, v, db) for f, v in zip(fields, values, strict=True)],
    )


@cache
def _select_by_pk(model, names: tuple[str, ...], vendor: str) -> str:
    quote = _db().ops.quote_name
    _fields, sql = _columns(model, names, "", vendor)
    # Only names from the model's own definition are spliced in; the value is a parameter.
    return (
        f"SELECT {sql} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608, E501
    )


def load_by_pk(model: type[models.Model], pk, names: tuple[str, ...]) -> models.Model | None:
    """The row with this primary key, with the fields `names` loaded, or None."""
    if not isinstance(pk, int) or not 0 < pk < 2**63:  # no such row (and no overflow)
        return None
    names, vendor = tuple(names), _db().vendor
    with cursor() as rows:
        rows.execute(_select_by_pk(model, names, vendor), [pk])
        row = rows.fetchone()
    return (
        None
        if row is None
        else instance_from_row(model, _columns(model, names, "", vendor)[0], row)
    )


@cache
def _insert(model, vendor: str) -> tuple[list, str]:
    quote = _db().ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    names = ", ".join(quote(f.column) for f in fields)
    # Only names from the model's own definition are spliced in; values are parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    return fields, sql


def insert_unless_conflict(instance: models.Model):
    """INSERT the new instance's row unless it breaks a unique constraint; its primary key,
    or None when a row with the same unique values is there already. One statement (ON
    CONFLICT DO NOTHING … RETURNING, PostgreSQL and SQLite 3.35+), which keeps a
    surrounding transaction usable, where a failed INSERT would need a savepoint."""
    db = _db()
    fields, sql = _insert(type(instance), db.vendor)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), db) for f in fields]
    with cursor() as rows:
        rows.execute(sql, values)
        row = rows.fetchone()
    return None if row is None else row[0]
