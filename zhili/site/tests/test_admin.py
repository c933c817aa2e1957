"""Django admin (the configuration area) is for administrators only, and its writes are audited."""

import pytest

from zhili.orgs.models import Department
from zhili.people.models import Person, User
from zhili.people.tests.helpers import AuditWatch, zh
from zhili.testing.factories import UserFactory

OTHER_ROLES = [
    "dispatcher",
    "coordinator",
    "secretary",
    "other_secretary",
    "grid_officer",
    "handler",
    "industry_branch",
    "property_company",
    "owners_committee",
    "volunteer",
    "courier",
    "resident",
    "outsider",
]


def test_an_administrator_opens_the_configuration_area(client, cast):
    client.force_login(cast.admin)

    response = client.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    for section in ("/admin/orgs/department/", "/admin/people/user/", "/admin/places/place/"):
        assert section in page


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_is_turned_away(client, cast, role):
    client.force_login(getattr(cast, role))

    for path in ("/admin/", "/admin/orgs/department/", "/admin/people/person/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_a_staff_flag_without_the_administrator_role_is_not_enough(client, cast):
    cast.dispatcher.is_staff = True
    cast.dispatcher.save()
    client.force_login(cast.dispatcher)

    assert client.get("/admin/").status_code == 302


def test_an_anonymous_visitor_is_asked_to_sign_in(client, db):
    response = client.get("/admin/")

    assert response["Location"].startswith("/admin/login/")


def test_changing_a_department_in_admin_writes_one_audit_record(client, cast, department):
    client.force_login(cast.admin)
    watch = AuditWatch()

    response = client.post(
        f"/admin/orgs/department/{department.pk}/change/",
        {
            "code": department.code,
            "name": department.name,
            "short_name": "城管局",
            "jurisdiction": department.jurisdiction.pk,
            "duty_phone": "0798-6812345",
            "description": "",
            "is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert (department.short_name, department.duty_phone) == ("城管局", "0798-6812345")
    [record] = watch.new()
    assert (record.action, record.actor, record.object_id) == (
        "department.update",  # admin saves through the service, which audits
        cast.admin,
        str(department.pk),
    )
    assert record.changes == {"short_name": ["城管", "城管局"], "duty_phone": ["", "0798-6812345"]}
    assert record.place_path == department.jurisdiction.path


def test_people_are_read_only_in_admin(client, cast):
    client.force_login(cast.admin)
    person = cast.courier_person

    page = client.get(f"/admin/people/person/{person.pk}/change/")
    client.post(f"/admin/people/person/{person.pk}/change/", {"name": "改名"})

    assert page.status_code == 200
    assert person.phone not in page.content.decode()  # numbers are not shown in admin
    assert Person.objects.get(pk=person.pk).name == "李快递"
    assert client.get("/admin/people/person/add/").status_code == 403


def test_the_configuration_link_shows_only_to_administrators(client, cast):
    client.force_login(cast.admin)
    admin_page = client.get("/").content.decode()
    client.force_login(cast.dispatcher)
    dispatcher_page = client.get("/").content.decode()

    assert 'href="/admin/"' in admin_page
    assert 'href="/admin/"' not in dispatcher_page


def test_a_department_is_disabled_not_deleted_in_admin(client, cast, department):
    # Cases and handlers point at departments: admin offers "active", never deletion.
    client.force_login(cast.admin)

    response = client.post(f"/admin/orgs/department/{department.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Department.objects.filter(pk=department.pk).exists()


def add_account(client, **fields):
    data = {
        "username": "wangwu",
        "full_name": "王五",
        "phone": "",
        "password1": "Kx8-long-enough",
        "password2": "Kx8-long-enough",
        "usable_password": "true",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    data.update(fields)
    return client.post("/admin/people/user/add/", data)


def test_an_account_opened_in_admin_signs_in_by_phone_and_is_audited_without_secrets(client, cast):
    client.force_login(cast.admin)
    watch = AuditWatch()

    response = add_account(client, phone="139 0000 7777")

    assert response.status_code == 302
    user = User.objects.get(username="wangwu")
    assert user.phone == "13900007777"
    [record] = watch.new()
    assert (record.action, record.actor) == ("user.admin_create", cast.admin)
    assert record.changes["phone"] == [None, "139****7777"]
    assert "Kx8-long-enough" not in str(record.changes)
    assert "13900007777" not in str(record.changes)

    client.logout()
    client.post("/login/", {"username": "+86 139-0000-7777", "password": "Kx8-long-enough"})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_admin_refuses_a_bad_phone_or_one_another_account_uses(client, cast):
    client.force_login(cast.admin)
    UserFactory(username="first", phone="13900007777")

    bad = add_account(client, username="second", phone="139 0000")
    taken = add_account(client, username="third", phone="139-0000-7777")

    assert (bad.status_code, taken.status_code) == (200, 200)
    assert zh("Another account already uses this phone number.") in taken.content.decode()
    assert not User.objects.filter(username__in=["second", "third"]).exists()


def test_changing_an_accounts_phone_in_admin_normalises_it(client, cast):
    client.force_login(cast.admin)
    user = cast.resident
    page = client.get(f"/admin/people/user/{user.pk}/change/")
    assert page.status_code == 200

    response = client.post(
        f"/admin/people/user/{user.pk}/change/",
        {
            "username": user.username,
            "full_name": user.full_name,
            "phone": "+86 139 0000 8888",
            "email": "",
            "person": user.person_id,
            "is_active": "on",
            "role_grants-TOTAL_FORMS": "1",
            "role_grants-INITIAL_FORMS": "1",
            "role_grants-0-id": user.role_grants.get().pk,
            "role_grants-0-user": user.pk,
            "role_grants-0-role": "resident",
            "role_grants-0-place": user.role_grants.get().place_id,
            "role_grants-0-department": "",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).phone == "13900008888"
