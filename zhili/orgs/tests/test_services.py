"""Configuring departments: who may, what is checked, and the audit row of each change."""

import pytest

from zhili.audit.models import AuditRecord
from zhili.core.errors import Forbidden, InvalidInput
from zhili.core.permissions import Role, SystemActor
from zhili.orgs.models import Department
from zhili.orgs.services import create_department, update_department
from zhili.testing.factories import DepartmentFactory, UserFactory, grant, make_place


def _field_errors(call, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as info:
        call(**kwargs)
    fields = info.value.as_dict()["fields"]
    assert all(messages and all(messages) for messages in fields.values())
    return fields


def _new(actor, city, **overrides):
    values = {
        "code": "zj",
        "name": "住房和城乡建设局",
        "short_name": "住建",
        "jurisdiction": city.city,
        "duty_phone": "0798-6812345",
        "description": "房屋安全、物业监管",
    }
    return create_department(actor=actor, **(values | overrides))


def test_an_administrator_configures_a_department(cast, city):
    department = _new(cast.admin, city)
    department.refresh_from_db()
    assert (department.code, department.short_name, department.jurisdiction) == (
        "zj",
        "住建",
        city.city,
    )
    assert department.is_active

    record = AuditRecord.objects.get()
    assert (record.actor, record.action, record.object_id) == (
        cast.admin,
        "department.create",
        str(department.pk),
    )
    assert record.place_path == city.city.path
    assert record.changes["name"] == [None, "住房和城乡建设局"]
    assert record.changes["jurisdiction"] == [None, "乐平市"]


def test_a_department_may_serve_one_street(cast, city):
    department = _new(
        SystemActor(),
        city,
        code="tszx",
        name="塔山街道综治中心",
        short_name="塔山综治",
        jurisdiction=city.s2,
    )
    assert department.jurisdiction == city.s2
    assert AuditRecord.objects.get().place_path == city.s2.path


@pytest.mark.parametrize("who", ["dispatcher", "coordinator", "secretary", "handler", "outsider"])
def test_only_an_administrator_configures_departments(cast, city, who):
    with pytest.raises(Forbidden):
        _new(getattr(cast, who), city)
    assert not Department.objects.filter(code="zj").exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"short_name": ""}, "short_name"),
        ({"code": "cg"}, "code"),  # 城市管理局 has it
        ({"name": "城市管理局"}, "name"),
        ({"jurisdiction": None}, "jurisdiction"),
        ({"code": "城管 局"}, "code"),  # a code is a slug, used in addresses
        ({"name": "局" * 101}, "name"),  # the columns hold 100 and 20 characters
        ({"short_name": "局" * 21}, "short_name"),
        ({"duty_phone": "0" * 21}, "duty_phone"),
    ],
)
def test_a_wrong_department_gets_an_error_on_the_field_at_fault(
    cast, city, department, overrides, field
):
    fields = _field_errors(_new, actor=cast.admin, city=city, **overrides)
    assert field in fields
    assert Department.objects.count() == 1
    assert not AuditRecord.objects.exists()


def test_renaming_records_old_and_new(cast, department):
    update_department(actor=cast.admin, department=department, name="城市管理和综合执法局")
    assert Department.objects.get(pk=department.pk).name == "城市管理和综合执法局"
    record = AuditRecord.objects.get()
    assert (record.actor, record.action) == (cast.admin, "department.update")
    assert record.changes == {"name": ["城市管理局", "城市管理和综合执法局"]}


def test_deactivating_records_the_flag(cast, department):
    update_department(actor=cast.admin, department=department, is_active=False)
    assert not Department.objects.get(pk=department.pk).is_active
    assert AuditRecord.objects.get().changes == {"is_active": [True, False]}


def test_saving_the_same_values_writes_nothing(cast, department):
    update_department(actor=cast.admin, department=department, name="城市管理局", short_name="城管")
    assert not AuditRecord.objects.exists()


def test_a_field_outside_the_settings_cannot_be_changed(cast, department):
    fields = _field_errors(update_department, actor=cast.admin, department=department, pk=999)
    assert list(fields) == ["pk"]
    assert Department.objects.filter(pk=department.pk).exists()


def test_two_departments_may_not_share_a_name(cast, city, department):
    other = DepartmentFactory(
        code="zj", name="住房和城乡建设局", short_name="住建", jurisdiction=city.city
    )
    fields = _field_errors(update_department, actor=cast.admin, department=other, name="城市管理局")
    assert list(fields) == ["name"]
    assert Department.objects.get(pk=other.pk).name == "住房和城乡建设局"


def test_a_dispatcher_may_not_change_a_department(cast, department):
    with pytest.raises(Forbidden):
        update_department(actor=cast.dispatcher, department=department, name="改名局")
    assert Department.objects.get(pk=department.pk).name == "城市管理局"


def test_a_department_may_not_be_moved_outside_the_actors_area(city, department):
    other_city = make_place("city", "360222", "浮梁县")
    other_admin = grant(UserFactory(), Role.ADMIN, other_city)
    mine = DepartmentFactory(jurisdiction=other_city)
    # The administrator of 浮梁县 may not hand his department to 乐平市's street,
    with pytest.raises(Forbidden):
        update_department(actor=other_admin, department=mine, jurisdiction=city.s1)
    # nor take 乐平市's department over.
    with pytest.raises(Forbidden):
        update_department(actor=other_admin, department=department, jurisdiction=other_city)
    assert Department.objects.get(pk=mine.pk).jurisdiction == other_city
    assert not AuditRecord.objects.exists()
