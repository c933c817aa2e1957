"""`zhili demo`: builds once, then does nothing but list the logins; --reset rebuilds."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhili.audit.models import AuditRecord
from zhili.audit.services import record_audit
from zhili.demo.builder import DEMO_PASSWORD, registry_counts
from zhili.demo.models import DemoBuild
from zhili.people.models import Person, User
from zhili.places.models import Place
from zhili.testing.factories import UserFactory, make_place


def run(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_first_run_builds_and_lists_the_logins_with_chinese_role_labels(db):
    output = run()
    assert "Built the demo city (seed 2026)" in output
    assert DemoBuild.objects.get().seed == 2026
    table = output.splitlines()
    row = next(line for line in table if " resident " in line)
    assert row.split() == ["居民", "resident", DEMO_PASSWORD, "翠平花园"]
    assert any(line.split()[:2] == ["职能部门办理人（城管）", "handler_cg"] for line in table)


def test_second_run_with_the_same_seed_does_not_rebuild(db):
    run("--seed", "11")
    built, counts = DemoBuild.objects.get(), registry_counts()
    with CaptureQueriesContext(connection) as queries:
        output = run("--seed", "11")
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2  # the marker and the accounts, nothing more
    assert all(sql.startswith("SELECT") for sql in statements)
    assert "nothing to do" in output and "gridofficer" in output
    assert DemoBuild.objects.get() == built
    assert registry_counts() == counts
    assert AuditRecord.objects.filter(action="demo.build").count() == 1


def test_another_seed_is_refused_without_reset(db):
    run()
    names = list(Person.objects.values_list("name", flat=True)[:50])
    with pytest.raises(CommandError, match="seed 2026, not 9.*--reset"):
        run("--seed", "9")
    assert list(Person.objects.values_list("name", flat=True)[:50]) == names


def test_a_database_with_other_data_is_refused_without_reset(db):
    UserFactory(username="realadmin")
    with pytest.raises(CommandError, match="not the demo city .*1 accounts"):
        run()
    assert not Place.objects.exists()


def test_reset_rebuilds_with_the_new_seed(db):
    run()
    first = DemoBuild.objects.get()
    first_people = list(Person.objects.values_list("name", flat=True))
    output = run("--seed", "9", "--reset")
    assert "Deleted 3200 cases, 153 places, 5 departments, 2000 people and 163 accounts." in output
    rebuilt = DemoBuild.objects.get()
    assert rebuilt.pk != first.pk and rebuilt.seed == 9
    assert rebuilt.counts == first.counts
    assert list(Person.objects.values_list("name", flat=True)) != first_people
    assert AuditRecord.objects.filter(action="demo.build").count() == 2


def test_reset_keeps_an_account_the_audit_trail_names_but_frees_its_username(db, client):
    run()
    secretary = User.objects.get(username="secretary")
    record_audit(actor=secretary, action="person.update", obj=secretary.person)
    output = run("--reset")
    assert "and 162 accounts. Kept 1 accounts that the audit trail names" in output
    run("--reset")  # a retired account is not renamed twice
    secretary.refresh_from_db()
    assert not secretary.is_active
    assert secretary.username == f"retired-{secretary.pk}-secretary"
    assert not secretary.has_usable_password() and secretary.phone == ""
    assert client.login(username="secretary", password=DEMO_PASSWORD)
    assert AuditRecord.objects.get(action="person.update").actor == secretary


def test_reset_refuses_to_wipe_a_real_registry_when_debug_is_off(db, settings):
    settings.DEBUG = False
    make_place("city", "360281", "乐平市")
    with pytest.raises(CommandError, match="refused"):
        call_command("demo", "--reset")
    assert Place.objects.filter(code="360281").exists()
