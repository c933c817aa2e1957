"""The audit trail: one append-only record per domain write, shown only to who may audit."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from zhili.audit.models import AppendOnlyError, AuditRecord
from zhili.audit.selectors import recent_for, trail_for
from zhili.audit.services import changes_between, record_audit, snapshot
from zhili.core.permissions import SystemActor
from zhili.core.personal import mask_phone
from zhili.orgs.models import Department
from zhili.orgs.services import create_department, update_department
from zhili.places.models import Place
from zhili.places.services import create_place, import_places, update_place
from zhili.testing.factories import UserFactory


def _create_place(actor, city, department):
    return create_place(
        actor=actor, kind="grid", code="360281001001002", name="翠平二网格", parent=city.c1
    )


def _rename_place(actor, city, department):
    return update_place(actor=actor, place=city.g1, name="翠平第一网格")


def _import_place(actor, city, department):
    import_places(
        actor=actor,
        collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": None,
                    "properties": {"code": "360281003", "name": "洎阳街道"},
                }
            ],
        },
    )
    return Place.objects.get(code="360281003")


def _create_department(actor, city, department):
    return create_department(
        actor=actor, code="zj", name="住房和城乡建设局", short_name="住建", jurisdiction=city.city
    )


def _update_department(actor, city, department):
    return update_department(actor=actor, department=department, duty_phone="0798-12319")


WRITES = [
    (_create_place, "place.create", {"kind", "code", "name", "parent"}),
    (_rename_place, "place.update", {"name"}),
    (_import_place, "place.import", {"kind", "code", "name", "parent"}),
    (
        _create_department,
        "department.create",
        {"code", "name", "short_name", "jurisdiction", "duty_phone", "description", "is_active"},
    ),
    (_update_department, "department.update", {"duty_phone"}),
]


@pytest.mark.parametrize(("write", "action", "fields"), WRITES, ids=[w[1] for w in WRITES])
def test_every_domain_write_leaves_exactly_one_record_naming_the_actor(
    cast, city, department, write, action, fields
):
    root = UserFactory(username="root", is_superuser=True)  # may do every write here
    before = AuditRecord.objects.count()
    started = timezone.now()

    obj = write(root, city, department)

    assert AuditRecord.objects.count() == before + 1
    record = AuditRecord.objects.first()
    assert (record.actor, record.actor_label, record.action) == (root, "root", action)
    assert (record.content_type, record.object_id) == (
        ContentType.objects.get_for_model(obj),
        str(obj.pk),
    )
    assert record.object_repr == str(obj)
    assert set(record.changes) == fields
    assert started <= record.at <= timezone.now()


@pytest.mark.parametrize(("write", "action", "fields"), WRITES, ids=[w[1] for w in WRITES])
def test_a_write_from_the_shell_is_recorded_under_the_operators_label(
    cast, city, department, write, action, fields
):
    write(SystemActor("system:shell"), city, department)
    record = AuditRecord.objects.get()
    assert (record.actor, record.actor_label, record.action) == (None, "system:shell", action)


def test_an_administrators_writes_are_recorded_as_hers(cast, city, department):
    _rename_place(cast.admin, city, department)
    _update_department(cast.admin, city, department)
    assert set(AuditRecord.objects.values_list("actor", "action")) == {
        (cast.admin.pk, "place.update"),
        (cast.admin.pk, "department.update"),
    }


# --- Append-only ----------------------------------------------------------------------------


@pytest.fixture
def record(cast, city):
    return record_audit(
        actor=cast.admin,
        action="place.update",
        obj=city.c1,
        place_path=city.c1.path,
        changes={"name": ["翠平社区", "翠平新社区"]},
    )


def test_a_record_cannot_be_edited(record):
    record.action = "place.create"
    with pytest.raises(AppendOnlyError):
        record.save()
    assert AuditRecord.objects.get(pk=record.pk).action == "place.update"


def test_a_record_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_records_cannot_be_updated_or_deleted_in_bulk(record):
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).update(actor_label="someone else")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()
    record.actor_label = "someone else"
    # bulk_update opens an atomic block without a savepoint; give it one, as a request would.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditRecord.objects.bulk_update([record], ["actor_label"])
    assert AuditRecord.objects.get(pk=record.pk).actor_label == "admin"


def test_an_actor_with_records_cannot_be_deleted_from_under_them(cast, record):
    with pytest.raises(Exception, match="protected"):
        cast.admin.delete()
    assert AuditRecord.objects.get(pk=record.pk).actor == cast.admin


def test_the_admin_site_offers_no_way_to_add_change_or_delete_records(client, record):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(f"/admin/audit/auditrecord/{record.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditrecord/add/").status_code == 403
    response = client.post(f"/admin/audit/auditrecord/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_a_department_changed_in_the_admin_site_is_audited(client, city, department):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        f"/admin/orgs/department/{department.pk}/change/",
        {
            "code": "cg",
            "name": "城市管理局",
            "short_name": "城管",
            "jurisdiction": city.city.pk,
            "duty_phone": "0798-12319",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Department.objects.get(pk=department.pk).duty_phone == "0798-12319"
    record = AuditRecord.objects.get()
    assert (record.actor, record.action) == (root, "department.update")  # the service's own record
    assert record.changes == {"duty_phone": ["", "0798-12319"]}


# --- What a record holds --------------------------------------------------------------------


def test_only_changed_fields_are_kept_and_personal_data_is_masked():
    before = {"name": "王居民", "phone": "13812345678", "address_place": None}
    after = {"name": "王居民", "phone": "13900005678", "address_place": "翠平一网格"}
    assert changes_between(before, after, masks={"phone": mask_phone}) == {
        "phone": ["138****5678", "139****5678"],
        "address_place": [None, "翠平一网格"],
    }


def test_a_snapshot_of_a_related_object_is_written_as_its_name(city):
    changes = changes_between({}, snapshot(city.g1, ["parent", "depth"]))
    assert changes == {"parent": [None, "翠平社区"], "depth": [None, 3]}


# --- Who sees the trail ---------------------------------------------------------------------


def test_the_trail_of_an_object_is_newest_first(cast, city):
    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    update_place(actor=cast.admin, place=city.c1, name="翠平社区")
    update_place(actor=cast.admin, place=city.g1, name="翠平第一网格")  # another object
    trail = trail_for(cast.secretary, city.c1, city.c1.path)
    assert [r.changes["name"] for r in trail] == [
        ["翠平新社区", "翠平社区"],
        ["翠平社区", "翠平新社区"],
    ]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", True),
        ("coordinator", True),
        ("secretary", True),
        ("other_secretary", False),
        ("dispatcher", False),
        ("grid_officer", False),
        ("handler", False),
        ("outsider", False),
    ],
)
def test_the_trail_is_given_only_to_who_may_audit_the_place(cast, city, who, sees):
    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    trail = trail_for(getattr(cast, who), city.c1, city.c1.path)
    assert (trail is not None) is sees
    if sees:
        assert len(trail) == 1


def test_recent_changes_are_limited_to_the_auditors_area(cast, city):
    update_place(actor=cast.admin, place=city.g1, name="翠平第一网格")
    update_place(actor=cast.admin, place=city.g2, name="东湖第一网格")
    update_place(actor=cast.admin, place=city.g3, name="塔山第一网格")
    names = lambda actor: {r.object_repr for r in recent_for(actor)}  # noqa: E731
    assert names(cast.secretary) == {"翠平第一网格"}
    assert names(cast.coordinator) == {"翠平第一网格", "东湖第一网格"}
    assert names(cast.other_secretary) == {"塔山第一网格"}
    assert names(cast.admin) == {"翠平第一网格", "东湖第一网格", "塔山第一网格"}
    assert names(cast.dispatcher) == set()


def test_records_carry_aware_times(record):
    assert record.at.tzinfo is not None
    assert abs(timezone.now() - record.at) < dt.timedelta(minutes=1)


def test_the_trail_speaks_the_readers_language(client, cast, city):
    from zhili.places.services import update_place

    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    client.force_login(cast.secretary)
    text = client.get(f"/places/{city.c1.pk}/").content.decode()
    assert ">修改地点</span>" in text  # the act, not the code place.update
    assert "名称</span>: 翠平社区 → 翠平新社区" in text  # the field's label, not "name"
