"""The registry's and the accounts' writes: validation as field errors, scope, conflicts, audit."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.core.errors import Conflict, Forbidden, InvalidInput
from zhili.core.permissions import Role
from zhili.people import services
from zhili.people.models import Person, RoleGrant, User
from zhili.people.selectors import people_for
from zhili.people.tests.helpers import AuditWatch, zh
from zhili.testing.factories import UserFactory, valid_id_number

# A woman born 1985-03-09 in Leping; her number, worked out by hand from GB 11643:
# 360281 19850309 01 2 -> weighted sum 307, 307 % 11 = 10, check character "2".
ID_F_1985 = "360281198503090122"
PASSWORD = "Kx8-long-enough"


def register(actor, **values):
    values.setdefault("name", "张三")
    return services.register_person(actor=actor, **values)


def errors_of(excinfo) -> dict:
    return {field: [str(m) for m in msgs] for field, msgs in excinfo.value.fields.items()}


# --- registering a person ------------------------------------------------------------------


def test_register_reads_gender_and_birth_date_from_the_id_number_and_normalises_phone(cast, city):
    person = register(
        cast.secretary,
        name=" 张三 ",
        id_number=ID_F_1985,
        phone="+86 139 1234 5678",
        political_status="party",
        party_member_status="retired",
        education="bachelor",
        origin="江西乐平",
        address_place=city.g1,
        address_detail="3栋 201",
    )

    person.refresh_from_db()
    assert (person.name, person.gender, person.birth_date) == ("张三", "F", dt.date(1985, 3, 9))
    assert person.phone == "13912345678"
    assert person.id_number == ID_F_1985
    assert (person.political_status, person.party_member_status) == ("party", "retired")
    assert (person.address_place, person.address_detail) == (city.g1, "3栋 201")


def test_register_accepts_a_lower_case_x_and_stores_it_upper_case(cast, city):
    number = next(n for n in (valid_id_number(seq=s) for s in range(100)) if n.endswith("X"))

    person = register(cast.secretary, id_number=f" {number[:-1]}x ", address_place=city.g1)

    assert Person.objects.get(pk=person.pk).id_number == number


def test_register_normalises_a_landline(cast, city):
    person = register(cast.secretary, phone="0798 6812345", address_place=city.g1)

    assert Person.objects.get(pk=person.pk).phone == "0798-6812345"


def test_register_reports_every_bad_field_at_once_and_creates_nothing(cast, city):
    before = Person.objects.count()
    with pytest.raises(InvalidInput) as excinfo:
        register(
            cast.secretary,
            name="  ",
            phone="12345",
            id_number=ID_F_1985[:-1] + "6",
            political_status="party",
            party_member_status="",
            education="phd",
            address_place=city.g1,
        )

    assert errors_of(excinfo) == {
        "name": [zh("A person needs a name.")],
        "phone": [
            zh(
                "Enter an 11-digit mobile number (e.g. 13812345678) or a landline such "
                "as 0798-6812345."
            )
        ],
        "id_number": [
            zh("The ID-card number's check digit is wrong; please check it for a typing error.")
        ],
        "party_member_status": [zh("For a party member, say whether retired or in service.")],
        "education": [zh("Choose an education level from the list.")],
    }
    assert excinfo.value.status == 400
    assert Person.objects.count() == before


@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    seq=st.integers(0, 99),
    male=st.booleans(),
    position=st.integers(0, 17),
    replacement=st.sampled_from("0123456789X"),
)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_one_mistyped_character_in_an_id_number_is_caught(
    cast, city, born, seq, male, position, replacement
):
    number = valid_id_number(born=born, seq=seq, male=male)
    typo = number[:position] + replacement + number[position + 1 :]
    if typo == number:
        return

    with pytest.raises(InvalidInput) as excinfo:
        register(cast.secretary, id_number=typo, address_place=city.g1)

    assert set(errors_of(excinfo)) == {"id_number"}


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("36028119850309012", "An ID-card number has 18 characters: 17 digits and a digit or X."),
        ("36028119850309012A", "An ID-card number has 18 characters: 17 digits and a digit or X."),
        # region code starting with 9; check digit right for these 17 digits
        ("960281198503090124", "The ID-card number has an unknown region code."),
        # 1985-02-30 does not exist
        ("360281198502300124", "The birth date inside the ID-card number is not a real date."),
        (
            "360281198503090126",
            "The ID-card number's check digit is wrong; please check it for a typing error.",
        ),
    ],
)
def test_register_refuses_a_bad_id_number_with_the_reason(cast, city, id_number, message):
    with pytest.raises(InvalidInput) as excinfo:
        register(cast.secretary, id_number=id_number, address_place=city.g1)

    assert errors_of(excinfo) == {"id_number": [zh(message)]}


def test_register_refuses_a_birth_date_and_gender_that_disagree_with_the_id_number(cast, city):
    with pytest.raises(InvalidInput) as excinfo:
        register(
            cast.secretary,
            id_number=ID_F_1985,
            birth_date=dt.date(1985, 3, 10),
            gender="M",
            address_place=city.g1,
        )

    assert errors_of(excinfo) == {
        "birth_date": [
            zh(
                "The birth date differs from the one in the ID-card number (%(date)s).",
                date="1985-03-09",
            )
        ],
        "gender": [zh("The gender differs from the one the ID-card number gives.")],
    }


def test_register_accepts_a_birth_date_and_gender_that_agree_with_the_id_number(cast, city):
    person = register(
        cast.secretary,
        id_number=ID_F_1985,
        birth_date=dt.date(1985, 3, 9),
        gender="F",
        address_place=city.g1,
    )

    assert (person.gender, person.birth_date) == ("F", dt.date(1985, 3, 9))


def test_without_an_id_number_gender_and_birth_date_are_taken_as_given(cast, city):
    person = register(
        cast.secretary, gender="M", birth_date=dt.date(1950, 1, 2), address_place=city.g1
    )

    assert (person.gender, person.birth_date, person.id_number) == ("M", dt.date(1950, 1, 2), "")


def test_register_refuses_a_birth_date_in_the_future(cast, city):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as excinfo:
        register(cast.secretary, birth_date=tomorrow, address_place=city.g1)

    assert errors_of(excinfo) == {"birth_date": [zh("The birth date cannot lie in the future.")]}


def test_register_refuses_an_id_number_already_registered_however_it_is_spelt(cast, city):
    number = next(n for n in (valid_id_number(seq=s) for s in range(100)) if n.endswith("X"))
    register(cast.secretary, name="先登记", id_number=number, address_place=city.g1)

    with pytest.raises(InvalidInput) as excinfo:
        register(
            cast.grid_officer,
            name="后登记",
            id_number=f"{number[:6]} {number[6:-1]}x",
            address_place=city.g1,
        )

    assert errors_of(excinfo) == {
        "id_number": [zh("A person with this ID-card number is already registered.")]
    }
    assert list(Person.objects.filter(name="后登记")) == []


@pytest.mark.parametrize(
    ("status", "member_status", "error"),
    [
        ("probationary", "", "For a party member, say whether retired or in service."),
        ("party", "on_leave", "For a party member, say whether retired or in service."),
        ("masses", "retired", "Only party members have a party member status."),
        ("league", "in_service", "Only party members have a party member status."),
        ("elder", "", "Choose a political status from the list."),
    ],
)
def test_party_member_status_rules(cast, city, status, member_status, error):
    field = "political_status" if status == "elder" else "party_member_status"
    with pytest.raises(InvalidInput) as excinfo:
        register(
            cast.secretary,
            political_status=status,
            party_member_status=member_status,
            address_place=city.g1,
        )

    assert errors_of(excinfo) == {field: [zh(error)]}


@pytest.mark.parametrize(
    ("status", "member_status"),
    [
        ("party", "in_service"),
        ("probationary", "retired"),
        ("league", ""),
        ("masses", ""),
    ],
)
def test_valid_political_statuses_are_kept(cast, city, status, member_status):
    person = register(
        cast.secretary,
        political_status=status,
        party_member_status=member_status,
        address_place=city.g1,
    )

    person.refresh_from_db()
    assert (person.political_status, person.party_member_status) == (status, member_status)
    assert person.is_party_member == (status in ("party", "probationary"))


def test_register_needs_a_place(cast):
    with pytest.raises(InvalidInput) as excinfo:
        register(cast.admin, address_place=None)

    assert errors_of(excinfo) == {"address_place": [zh("Choose the place where the person lives.")]}


@pytest.mark.parametrize("who", ["dispatcher", "coordinator", "handler", "courier", "outsider"])
def test_roles_that_do_not_manage_the_registry_cannot_register(cast, city, who):
    watch = AuditWatch()
    with pytest.raises(Forbidden):
        register(getattr(cast, who), address_place=city.g1)

    assert not Person.objects.filter(name="张三").exists()
    assert watch.new() == []


@pytest.mark.parametrize(
    ("who", "place"),
    [
        ("secretary", "g3"),
        ("secretary", "c2"),
        ("grid_officer", "k1"),
        ("other_secretary", "g1"),
    ],
)
def test_managers_cannot_register_outside_their_area(cast, city, who, place):
    with pytest.raises(Forbidden):
        register(getattr(cast, who), address_place=getattr(city, place))

    assert not Person.objects.filter(name="张三").exists()


def test_register_writes_one_audit_record_with_the_actor_and_masked_numbers(cast, city):
    watch = AuditWatch()
    person = register(
        cast.secretary, id_number=ID_F_1985, phone="13912345678", address_place=city.g1
    )

    [record] = watch.new()
    assert (record.action, record.actor, record.actor_label) == (
        "person.register",
        cast.secretary,
        "secretary",
    )
    assert record.object_id == str(person.pk)
    assert record.place_path == city.g1.path
    assert record.changes["phone"] == [None, "139****5678"]
    assert record.changes["id_number"] == [None, "360***********0122"]
    assert record.changes["name"] == [None, "张三"]
    assert record.changes["birth_date"] == [None, "1985-03-09"]
    stored = json.dumps(record.changes)
    assert "13912345678" not in stored and ID_F_1985 not in stored


# --- updating a person ---------------------------------------------------------------------


def test_update_changes_the_record_and_audits_only_the_changed_fields(cast, city):
    person = register(cast.secretary, phone="13912345678", address_place=city.g1)
    watch = AuditWatch()

    services.update_person(
        actor=cast.grid_officer, person=person, phone="139 8765 4321", origin="浙江"
    )

    person.refresh_from_db()
    assert (person.phone, person.origin) == ("13987654321", "浙江")
    [record] = watch.new()
    assert (record.action, record.actor) == ("person.update", cast.grid_officer)
    assert record.changes == {"phone": ["139****5678", "139****4321"], "origin": ["", "浙江"]}


def test_an_update_that_changes_nothing_writes_nothing(cast, city):
    person = register(cast.secretary, phone="13912345678", address_place=city.g1)
    stamp = Person.objects.get(pk=person.pk).updated_at
    watch = AuditWatch()

    services.update_person(actor=cast.secretary, person=person, phone="139-1234-5678", name="张三")

    assert Person.objects.get(pk=person.pk).updated_at == stamp
    assert watch.new() == []


def test_update_with_a_stale_timestamp_raises_conflict_and_changes_nothing(cast, city):
    person = register(cast.secretary, address_place=city.g1)
    opened_at = Person.objects.get(pk=person.pk).updated_at
    services.update_person(actor=cast.grid_officer, person=person, origin="上饶")
    watch = AuditWatch()

    with pytest.raises(Conflict) as excinfo:
        services.update_person(
            actor=cast.secretary, person=person, name="李四", expected_updated_at=opened_at
        )

    assert excinfo.value.status == 409
    person.refresh_from_db()
    assert (person.name, person.origin) == ("张三", "上饶")
    assert watch.new() == []


def test_update_with_the_current_timestamp_goes_through(cast, city):
    person = register(cast.secretary, address_place=city.g1)
    current = Person.objects.get(pk=person.pk).updated_at

    services.update_person(
        actor=cast.secretary, person=person, name="李四", expected_updated_at=current
    )

    assert Person.objects.get(pk=person.pk).name == "李四"


def test_a_new_id_number_brings_its_own_birth_date_and_gender(cast, city):
    person = register(cast.secretary, id_number=ID_F_1985, address_place=city.g1)
    corrected = valid_id_number(born=dt.date(1986, 4, 1), seq=7, male=True)

    services.update_person(actor=cast.secretary, person=person, id_number=corrected)

    person.refresh_from_db()
    assert (person.id_number, person.gender, person.birth_date) == (
        corrected,
        "M",
        dt.date(1986, 4, 1),
    )


def test_update_keeps_the_own_id_number_but_refuses_another_persons(cast, city):
    first = register(cast.secretary, name="甲", id_number=ID_F_1985, address_place=city.g1)
    other_number = valid_id_number(seq=3)
    second = register(cast.secretary, name="乙", id_number=other_number, address_place=city.g1)

    services.update_person(actor=cast.secretary, person=first, id_number=ID_F_1985, origin="本地")
    with pytest.raises(InvalidInput) as excinfo:
        services.update_person(actor=cast.secretary, person=second, id_number=ID_F_1985)

    assert errors_of(excinfo) == {
        "id_number": [zh("A person with this ID-card number is already registered.")]
    }
    assert Person.objects.get(pk=second.pk).id_number == other_number


def test_update_reports_field_errors_and_keeps_the_record(cast, city):
    person = register(cast.secretary, phone="13912345678", address_place=city.g1)

    with pytest.raises(InvalidInput) as excinfo:
        services.update_person(
            actor=cast.secretary, person=person, phone="1391234", political_status="party"
        )

    assert set(errors_of(excinfo)) == {"phone", "party_member_status"}
    person.refresh_from_db()
    assert (person.phone, person.political_status) == ("13912345678", "masses")


def test_a_manager_cannot_move_a_person_out_of_the_area(cast, city):
    person = register(cast.secretary, address_place=city.g1)

    with pytest.raises(Forbidden):
        services.update_person(actor=cast.secretary, person=person, address_place=city.g3)

    assert Person.objects.get(pk=person.pk).address_place == city.g1


def test_a_manager_cannot_update_a_person_outside_the_area(cast, city, people_everywhere):
    with pytest.raises(Forbidden):
        services.update_person(actor=cast.secretary, person=people_everywhere.in_c3, name="改名")

    assert Person.objects.get(pk=people_everywhere.in_c3.pk).name == "丙三"


def test_an_administrator_moves_a_person_between_streets(cast, city, people_everywhere):
    watch = AuditWatch()
    services.update_person(actor=cast.admin, person=people_everywhere.in_c1, address_place=city.g3)

    assert Person.objects.get(pk=people_everywhere.in_c1.pk).address_place == city.g3
    [record] = watch.new()
    assert record.changes == {"address_place": ["翠平一网格", "塔山一网格"]}
    assert record.place_path == city.g3.path


# --- accounts and roles --------------------------------------------------------------------


def test_create_account_hashes_the_password_normalises_the_phone_and_audits(cast):
    watch = AuditWatch()
    user = services.create_account(
        actor=cast.admin,
        username=" zhangsan ",
        password=PASSWORD,
        full_name=" 张三 ",
        phone="+86 139 0000 0002",
    )

    user.refresh_from_db()
    assert (user.username, user.full_name, user.phone) == ("zhangsan", "张三", "13900000002")
    assert user.check_password(PASSWORD) and PASSWORD not in user.password
    [record] = watch.new()
    assert (record.action, record.actor, record.object_id) == (
        "account.create",
        cast.admin,
        str(user.pk),
    )
    assert record.changes == {"username": [None, "zhangsan"], "phone": [None, "139****0002"]}


def test_create_account_reports_every_bad_field(cast):
    UserFactory(username="taken", phone="13900000003")

    with pytest.raises(InvalidInput) as excinfo:
        services.create_account(
            actor=cast.admin, username="TAKEN", password="12345678", phone="139 0000 0003"
        )

    errors = errors_of(excinfo)
    assert errors["username"] == [zh("This username is taken.")]
    assert errors["phone"] == [zh("Another account already uses this phone number.")]
    assert len(errors["password"]) == 2  # too common, and entirely numeric
    assert not User.objects.filter(username="TAKEN").exists()


def test_create_account_needs_a_username_and_a_valid_phone(cast):
    with pytest.raises(InvalidInput) as excinfo:
        services.create_account(actor=cast.admin, username="  ", password=PASSWORD, phone="12")

    errors = errors_of(excinfo)
    assert errors == {
        "username": [zh("An account needs a username.")],
        "phone": [
            zh(
                "Enter an 11-digit mobile number (e.g. 13812345678) or a landline such "
                "as 0798-6812345."
            )
        ],
    }


def test_a_person_has_at_most_one_account(cast):
    with pytest.raises(InvalidInput) as excinfo:
        services.create_account(
            actor=cast.admin, username="second_login", password=PASSWORD, person=cast.courier_person
        )

    assert set(errors_of(excinfo)) == {"person"}
    assert not User.objects.filter(username="second_login").exists()


@pytest.mark.parametrize("who", ["secretary", "dispatcher", "coordinator", "outsider"])
def test_only_administrators_create_accounts(cast, who):
    with pytest.raises(Forbidden):
        services.create_account(actor=getattr(cast, who), username="newbie", password=PASSWORD)

    assert not User.objects.filter(username="newbie").exists()


def test_grant_role_gives_the_scope_and_audits(cast, city, people_everywhere):
    user = UserFactory(username="new_secretary")
    assert list(people_for(user)) == []
    watch = AuditWatch()

    grant = services.grant_role(
        actor=cast.admin, user=user, role=Role.COMMUNITY_SECRETARY, place=city.c2
    )

    assert (grant.user, grant.role, grant.place) == (user, "community_secretary", city.c2)
    assert [p.name for p in people_for(User.objects.get(pk=user.pk))] == ["乙二"]
    [record] = watch.new()
    assert (record.action, record.actor, record.object_id, record.place_path) == (
        "role.grant",
        cast.admin,
        str(user.pk),
        city.c2.path,
    )
    assert record.changes == {"role": [None, str(grant)]}


def test_granting_the_same_role_twice_keeps_one_grant_and_one_record(cast, city):
    user = UserFactory()
    services.grant_role(actor=cast.admin, user=user, role=Role.GRID_OFFICER, place=city.g2)
    watch = AuditWatch()

    services.grant_role(actor=cast.admin, user=user, role=Role.GRID_OFFICER, place=city.g2)

    assert RoleGrant.objects.filter(user=user).count() == 1
    assert watch.new() == []


def test_a_handler_grant_names_a_department(cast, city, department):
    user = UserFactory()
    grant = services.grant_role(
        actor=cast.admin, user=user, role=Role.HANDLER, place=city.city, department=department
    )

    assert grant.department == department


@pytest.mark.parametrize(
    ("role", "place", "with_department", "field"),
    [
        ("mayor", "c1", False, "role"),
        (Role.COMMUNITY_SECRETARY, "g1", False, "place"),
        (Role.STREET_COORDINATOR, "city", False, "place"),
        (Role.HANDLER, "city", False, "department"),
        (Role.DISPATCHER, "city", True, "department"),
    ],
)
def test_grant_role_errors(cast, city, department, role, place, with_department, field):
    user = UserFactory()
    with pytest.raises(InvalidInput) as excinfo:
        services.grant_role(
            actor=cast.admin,
            user=user,
            role=role,
            place=getattr(city, place),
            department=department if with_department else None,
        )

    assert set(errors_of(excinfo)) == {field}
    assert not RoleGrant.objects.filter(user=user).exists()


def test_the_place_kind_error_names_the_allowed_kinds(cast, city):
    with pytest.raises(InvalidInput) as excinfo:
        services.grant_role(
            actor=cast.admin, user=UserFactory(), role=Role.COMMUNITY_SECRETARY, place=city.g1
        )

    assert errors_of(excinfo)["place"] == [
        zh(
            "A %(role)s is appointed over a place of this kind: %(kinds)s.",
            role=zh("Community party secretary"),
            kinds=zh("Community"),
        )
    ]


@pytest.mark.parametrize("who", ["secretary", "coordinator", "dispatcher"])
def test_only_administrators_grant_roles(cast, city, who):
    user = UserFactory()
    with pytest.raises(Forbidden):
        services.grant_role(actor=getattr(cast, who), user=user, role=Role.RESIDENT, place=city.k1)

    assert not RoleGrant.objects.filter(user=user).exists()


def test_revoke_role_takes_the_scope_away_and_audits(cast, city, people_everywhere):
    grant = cast.secretary.role_grants.get()
    label = str(grant)
    watch = AuditWatch()

    services.revoke_role(actor=cast.admin, grant=grant)

    secretary = User.objects.get(pk=cast.secretary.pk)
    assert list(people_for(secretary)) == []
    [record] = watch.new()
    assert (record.action, record.actor, record.object_id, record.place_path) == (
        "role.revoke",
        cast.admin,
        str(secretary.pk),
        city.c1.path,
    )
    assert record.changes == {"role": [label, None]}


def test_only_administrators_revoke_roles(cast):
    grant = cast.other_secretary.role_grants.get()

    with pytest.raises(Forbidden):
        services.revoke_role(actor=cast.secretary, grant=grant)

    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_a_username_that_is_a_phone_number_is_refused(cast):
    # Otherwise "13900000009" typed at log-in could reach someone else's account by phone.
    with pytest.raises(InvalidInput) as excinfo:
        services.create_account(actor=cast.admin, username="13900000009", password=PASSWORD)

    assert set(errors_of(excinfo)) == {"username"}
    assert not User.objects.filter(username="13900000009").exists()


def test_granting_and_revoking_the_admin_role_opens_and_closes_configuration(cast, city, client):
    user = UserFactory(username="new_admin")
    grant = services.grant_role(actor=cast.admin, user=user, role=Role.ADMIN, place=city.city)
    user.refresh_from_db()
    assert user.is_staff
    client.force_login(user)
    assert client.get("/admin/").status_code == 200

    services.revoke_role(actor=cast.admin, grant=grant)
    user.refresh_from_db()
    assert not user.is_staff
    assert client.get("/admin/").status_code == 302  # back to the admin log-in


def test_overlong_text_is_a_field_error_not_a_database_crash(cast, city):
    with pytest.raises(InvalidInput) as excinfo:
        services.register_person(
            actor=cast.admin,
            name="名" * 51,
            origin="外" * 101,
            address_detail="址" * 201,
            address_place=city.g1,
        )
    assert set(errors_of(excinfo)) == {"name", "origin", "address_detail"}
    assert not Person.objects.filter(origin="外" * 101).exists()


def test_the_same_role_over_the_same_place_cannot_be_stored_twice(cast, city):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=cast.secretary, role=Role.COMMUNITY_SECRETARY, place=city.c1)
