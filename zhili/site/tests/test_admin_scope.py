"""The configuration area keeps to the administrator's own city and to the services' rules."""

import pytest

from zhili.audit.models import AuditRecord
from zhili.core.permissions import Role
from zhili.people.models import RoleGrant, User
from zhili.testing.factories import (
    DepartmentFactory,
    PersonFactory,
    UserFactory,
    grant,
    make_place,
    square,
)


@pytest.fixture
def other_city(db):
    """景德镇市珠山区 (360203): another city with its own administrator, person and department."""
    city = make_place("city", "360203", "珠山区", None, square(117.2, 29.3, 0.02))
    community = make_place(
        "community",
        "360203001001",
        "珠山社区",
        make_place("street", "360203001", "珠山街道", city),
        None,
    )
    admin = grant(UserFactory(username="zhushan_admin", is_staff=True), Role.ADMIN, city)
    PersonFactory(name="珠山居民", address_place=community)
    DepartmentFactory(code="zs", name="珠山区城管局", short_name="珠山城管", jurisdiction=city)
    return city, admin


def _list(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_an_administrator_lists_only_their_own_citys_records(client, cast, other_city):
    client.force_login(cast.admin)  # administrator of 乐平市
    assert "珠山区城管局" not in _list(client, "/admin/orgs/department/")
    assert "城市管理局" in _list(client, "/admin/orgs/department/")
    assert "珠山居民" not in _list(client, "/admin/people/person/")
    assert "zhushan_admin" not in _list(client, "/admin/people/user/")
    assert "珠山区" not in _list(client, "/admin/places/place/")
    _, zhushan_admin = other_city
    assert client.get(f"/admin/people/user/{zhushan_admin.pk}/change/").status_code == 302


def test_a_non_superuser_administrator_cannot_make_a_superuser(client, cast):
    client.force_login(cast.admin)
    target = UserFactory(username="plain")
    page = _list(client, f"/admin/people/user/{target.pk}/change/")
    assert 'name="is_superuser"' not in page  # shown read-only


def _change_data(user, **extra):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": "",
        "email": "",
        "is_active": "on",
        "role_grants-TOTAL_FORMS": "1",
        "role_grants-INITIAL_FORMS": "0",
        "role_grants-0-role": "",
        "role_grants-0-place": "",
        "role_grants-0-department": "",
        "_save": "Save",
    }
    data.update(extra)
    return data


def test_a_role_granted_in_admin_follows_the_grant_rules_and_is_audited(client, cast, city):
    client.force_login(cast.admin)
    user = UserFactory(username="new_officer")
    url = f"/admin/people/user/{user.pk}/change/"

    # A grid officer is appointed over a grid, not a street: refused, nothing granted.
    bad = client.post(
        url,
        _change_data(
            user, **{"role_grants-0-role": Role.GRID_OFFICER, "role_grants-0-place": city.s1.pk}
        ),
    )
    assert bad.status_code == 200
    assert not RoleGrant.objects.filter(user=user).exists()

    good = client.post(
        url,
        _change_data(
            user, **{"role_grants-0-role": Role.GRID_OFFICER, "role_grants-0-place": city.g1.pk}
        ),
    )
    assert good.status_code == 302
    assert list(RoleGrant.objects.filter(user=user).values_list("role", "place")) == [
        (Role.GRID_OFFICER, city.g1.pk)
    ]
    assert (
        AuditRecord.objects.filter(
            action="role.grant", actor=cast.admin, object_id=str(user.pk)
        ).count()
        == 1
    )


def test_a_password_changed_in_admin_is_audited_without_the_password(client, cast):
    client.force_login(cast.admin)
    user = UserFactory(username="forgetful")
    response = client.post(
        f"/admin/people/user/{user.pk}/password/",
        {"password1": "New-pass-2026x", "password2": "New-pass-2026x", "usable_password": "true"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-pass-2026x")
    [record] = AuditRecord.objects.filter(action="user.password_change")
    assert record.actor == cast.admin and "New-pass-2026x" not in str(record.changes)


def test_accounts_deleted_in_bulk_each_leave_an_audit_record(client, cast):
    client.force_login(cast.admin)
    doomed = [UserFactory(username="tmp1"), UserFactory(username="tmp2")]
    response = client.post(
        "/admin/people/user/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(username__in=["tmp1", "tmp2"]).exists()
    assert sorted(
        AuditRecord.objects.filter(action="user.admin_delete").values_list("object_id", flat=True)
    ) == sorted(str(u.pk) for u in doomed)
