"""Adding and amending places: the tree's rules, field errors, permission and the audit row."""

import pytest

from zhili.audit.models import AuditRecord
from zhili.conftest import LAT, LON
from zhili.core.errors import Forbidden, InvalidInput
from zhili.core.permissions import Role, SystemActor
from zhili.places.models import Place
from zhili.places.selectors import locate_point
from zhili.places.services import create_place, update_place
from zhili.testing.factories import UserFactory, grant, make_place, square


def _field_errors(call, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as info:
        call(**kwargs)
    assert (info.value.status, info.value.code) == (400, "invalid")
    fields = info.value.as_dict()["fields"]
    assert all(messages and all(messages) for messages in fields.values())
    return fields


def test_an_administrator_adds_a_community_under_a_street(cast, city):
    community = create_place(
        actor=cast.admin,
        kind="community",
        code="360281001003",
        name=" 新区社区 ",
        parent=city.s1,
        boundary=square(LON + 0.011, LAT + 0.011, 0.004),
    )
    community.refresh_from_db()
    assert community.name == "新区社区"
    assert community.path == "/360281/360281001/360281001003/"
    assert community.depth == 2
    assert community.is_within(city.s1) and not community.is_within(city.s2)
    assert locate_point(LON + 0.012, LAT + 0.012).community == community

    record = AuditRecord.objects.get()
    assert (record.actor, record.action, record.object_id) == (
        cast.admin,
        "place.create",
        str(community.pk),
    )
    assert record.place_path == community.path
    assert record.changes["code"] == [None, "360281001003"]
    assert record.changes["name"] == [None, "新区社区"]
    assert record.changes["parent"] == [None, "泊阳街道"]
    # A boundary is summarised, not copied coordinate by coordinate into the trail.
    assert record.changes["boundary"][1].startswith("Polygon (")


def test_the_operator_at_the_shell_may_add_a_city(city):
    other = create_place(
        actor=SystemActor("system:shell"), kind="city", code="360282", name="浮梁县", parent=None
    )
    assert (other.path, other.depth) == ("/360282/", 0)
    record = AuditRecord.objects.get()
    assert (record.actor, record.actor_label) == (None, "system:shell")


@pytest.mark.parametrize("who", ["secretary", "dispatcher", "coordinator", "outsider"])
def test_only_a_place_manager_may_add_places(cast, city, who):
    with pytest.raises(Forbidden):
        create_place(
            actor=getattr(cast, who),
            kind="grid",
            code="360281001001002",
            name="翠平二网格",
            parent=city.c1,
        )
    assert not Place.objects.filter(code="360281001001002").exists()
    assert not AuditRecord.objects.exists()


def test_an_administrator_of_one_city_may_not_add_places_in_another(cast, city):
    other = make_place("city", "360282", "浮梁县")
    with pytest.raises(Forbidden):
        create_place(actor=cast.admin, kind="street", code="360282001", name="浮梁镇", parent=other)


@pytest.mark.parametrize(
    ("kind", "code", "name", "parent", "field"),
    [
        ("grid", "36028100100100", "短网格", "c1", "code"),  # 14 digits
        ("grid", "36028100100100A", "字母网格", "c1", "code"),  # not all digits
        ("grid", "360281001002009", "错位网格", "c1", "code"),  # 东湖's prefix under 翠平
        ("grid", "360281001001002", "   ", "c1", "name"),
        ("grid", "360281001001002", "街道下网格", "s1", "parent"),  # a grid under a street
        ("community", "360281001003", "无上级社区", None, "parent"),
        ("district", "360281001003", "区", "s1", "kind"),
        ("grid", "360281001001001", "重号网格", "c1", "code"),  # 翠平一网格 has it
        ("grid", "360281001001002", "长" * 101, "c1", "name"),  # the column holds 100
    ],
)
def test_a_wrong_place_gets_an_error_on_the_field_at_fault(
    cast, city, kind, code, name, parent, field
):
    before = Place.objects.count()
    fields = _field_errors(
        create_place,
        actor=cast.admin,
        kind=kind,
        code=code,
        name=name,
        parent=getattr(city, parent) if parent else None,
    )
    assert field in fields
    assert Place.objects.count() == before
    assert not AuditRecord.objects.exists()


def test_a_city_may_not_have_a_parent(city):
    fields = _field_errors(
        create_place,
        actor=SystemActor(),
        kind="city",
        code="360282",
        name="浮梁县",
        parent=city.city,
    )
    assert list(fields) == ["parent"]


def test_a_bad_boundary_is_a_field_error(cast, city):
    open_ring = {
        "type": "Polygon",
        "coordinates": [[[LON, LAT], [LON + 0.01, LAT], [LON + 0.01, LAT + 0.01]]],
    }
    fields = _field_errors(
        create_place,
        actor=cast.admin,
        kind="grid",
        code="360281001001002",
        name="翠平二网格",
        parent=city.c1,
        boundary=open_ring,
    )
    assert list(fields) == ["boundary"]


def test_renaming_a_place_records_old_and_new_name(cast, city):
    update_place(actor=cast.admin, place=city.c1, name="翠平新社区")
    assert Place.objects.get(pk=city.c1.pk).name == "翠平新社区"
    record = AuditRecord.objects.get()
    assert (record.actor, record.action) == (cast.admin, "place.update")
    assert record.changes == {"name": ["翠平社区", "翠平新社区"]}


def test_saving_the_same_values_writes_nothing(cast, city):
    update_place(actor=cast.admin, place=city.c1, name="翠平社区", boundary=city.c1.boundary)
    assert not AuditRecord.objects.exists()


def test_a_new_boundary_moves_where_points_are_found(cast, city):
    # 翠平一网格 grows to cover the whole community.
    update_place(actor=cast.admin, place=city.g1, boundary=square(LON, LAT, 0.01))
    assert locate_point(LON + 0.008, LAT + 0.008).grid == city.g1
    record = AuditRecord.objects.get()
    assert list(record.changes) == ["boundary"]
    old, new = record.changes["boundary"]
    assert old != new and "Polygon" in new


def test_a_bad_new_boundary_or_blank_name_changes_nothing(cast, city):
    fields = _field_errors(
        update_place,
        actor=cast.admin,
        place=city.g1,
        boundary={"type": "Point", "coordinates": [LON, LAT]},
    )
    assert list(fields) == ["boundary"]
    fields = _field_errors(update_place, actor=cast.admin, place=city.g1, name=" ")
    assert list(fields) == ["name"]
    city.g1.refresh_from_db()
    assert city.g1.name == "翠平一网格"
    assert city.g1.boundary == square(LON, LAT, 0.005)
    assert not AuditRecord.objects.exists()


def test_a_secretary_may_not_rename_her_own_community(cast, city):
    with pytest.raises(Forbidden):
        update_place(actor=cast.secretary, place=city.c1, name="改名社区")
    assert Place.objects.get(pk=city.c1.pk).name == "翠平社区"


def test_a_place_manager_scoped_elsewhere_may_not_rename(city):
    other = make_place("city", "360282", "浮梁县")
    other_admin = grant(UserFactory(), Role.ADMIN, other)
    with pytest.raises(Forbidden):
        update_place(actor=other_admin, place=city.c1, name="改名社区")


def test_ancestor_paths_run_from_the_root_to_the_place_itself():
    from zhili.places.models import ancestor_paths

    assert ancestor_paths("/360281/360281001/") == ["/360281/", "/360281/360281001/"]
    assert ancestor_paths("/a/") == ["/a/"]
    assert ancestor_paths("") == []
