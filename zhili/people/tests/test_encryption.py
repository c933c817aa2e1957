"""Phone and ID numbers at rest: encrypted in the tables, found only by their whole value."""

import json

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.core import crypto
from zhili.core.personal import mask_id_number, mask_phone
from zhili.people import services
from zhili.people.selectors import search_people
from zhili.testing.factories import PersonFactory

PHONE = "13912345678"
ID_NUMBER = "360281198503090122"  # GB 11643-valid: see test_services.ID_F_1985


def raw_rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def registered(cast, city):
    return services.register_person(
        actor=cast.secretary, name="张三", phone=PHONE, id_number=ID_NUMBER, address_place=city.g1
    )


def test_the_person_table_holds_no_clear_phone_or_id_number(registered):
    [(phone, id_number, phone_digest, id_digest)] = raw_rows(
        "SELECT phone, id_number, phone_digest, id_digest FROM people_person WHERE id = %s",
        [registered.pk],
    )

    stored = " ".join([phone, id_number, phone_digest, id_digest])
    for secret in (PHONE, ID_NUMBER, PHONE[3:7], ID_NUMBER[6:14]):
        assert secret not in stored
    # ...yet the key turns the columns back into the numbers.
    assert (crypto.decrypt(phone), crypto.decrypt(id_number)) == (PHONE, ID_NUMBER)


def test_the_account_table_holds_no_clear_phone(cast):
    user = services.create_account(
        actor=cast.admin, username="zhangsan", password="Kx8-long-enough", phone=PHONE
    )

    [(phone,)] = raw_rows("SELECT phone FROM people_user WHERE id = %s", [user.pk])
    assert PHONE not in phone and crypto.decrypt(phone) == PHONE


def test_the_audit_table_holds_only_masked_numbers(registered, cast):
    services.update_person(actor=cast.secretary, person=registered, phone="13987654321")

    stored = " ".join(
        row[0] if isinstance(row[0], str) else json.dumps(row[0])
        for row in raw_rows("SELECT changes FROM audit_auditrecord")
    )
    for secret in (PHONE, ID_NUMBER, "13987654321"):
        assert secret not in stored
    assert "139****5678" in stored and "139****4321" in stored


def test_two_people_with_one_phone_have_different_ciphertexts_and_are_both_found(cast, city):
    first = PersonFactory(name="甲", phone=PHONE, address_place=city.g1)
    second = PersonFactory(name="乙", phone=PHONE, address_place=city.k1)

    ciphertexts = {
        row[0]
        for row in raw_rows(
            "SELECT phone FROM people_person WHERE id IN (%s, %s)", [first.pk, second.pk]
        )
    }
    assert len(ciphertexts) == 2
    assert set(search_people(cast.secretary, PHONE)) == {first, second}


@pytest.mark.parametrize(
    "spelling",
    [
        PHONE,
        "139 1234 5678",
        "139-1234-5678",
        "+8613912345678",
        "+86 139 1234 5678",
        "0086 13912345678",
    ],
)
def test_search_by_the_whole_phone_in_any_spelling(registered, cast, spelling):
    assert list(search_people(cast.secretary, spelling)) == [registered]


@pytest.mark.parametrize("spelling", [ID_NUMBER, "360281 19850309 0122"])
def test_search_by_the_whole_id_number(registered, cast, spelling):
    assert list(search_people(cast.secretary, spelling)) == [registered]


def test_search_by_an_id_number_ending_in_x_typed_lower_case(cast, city):
    number = "36028119800517004X"  # weighted sum 310, 310 % 11 = 2: check character X
    person = services.register_person(
        actor=cast.secretary, name="李", id_number=number, address_place=city.g1
    )

    assert list(search_people(cast.secretary, number.lower())) == [person]


@pytest.mark.parametrize(
    "partial",
    [
        PHONE[:7],
        PHONE[-4:],
        PHONE[:10],
        "1391234567",
        ID_NUMBER[:17],
        ID_NUMBER[-6:],
        ID_NUMBER[6:14],
        "139****5678",
        mask_id_number(ID_NUMBER),
    ],
)
def test_partial_or_masked_numbers_match_nobody(registered, cast, partial):
    assert list(search_people(cast.secretary, partial)) == []


def test_search_by_number_stays_within_the_actors_area(registered, cast):
    assert list(search_people(cast.other_secretary, PHONE)) == []
    assert list(search_people(cast.other_secretary, ID_NUMBER)) == []


def test_search_by_name_still_works(registered, cast):
    assert list(search_people(cast.secretary, "张")) == [registered]


# --- properties ----------------------------------------------------------------------------

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)


@given(phone=mobiles, middle=st.text("0123456789", min_size=4, max_size=4))
def test_a_masked_mobile_never_reveals_its_middle_digits(phone, middle):
    other = phone[:3] + middle + phone[7:]

    assert mask_phone(phone) == f"{phone[:3]}****{phone[7:]}"
    assert mask_phone(phone) == mask_phone(other)


# PersonFactory numbers begin with 138; keep clear of them so that "exactly" means exactly.
@given(
    phones=st.lists(
        mobiles.filter(lambda p: not p.startswith("138")), min_size=1, max_size=6, unique=True
    ),
    spelling=st.sampled_from(
        [
            lambda p: p,
            lambda p: f"+86{p}",
            lambda p: f"{p[:3]} {p[3:7]} {p[7:]}",
            lambda p: f"0086-{p[:3]}-{p[3:]}",
        ]
    ),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_exact_phone_of_any_registered_person_finds_exactly_that_person(
    cast, city, phones, spelling
):
    with transaction.atomic():
        people = [
            PersonFactory(name=f"人{i}", phone=p, address_place=city.g2)
            for i, p in enumerate(phones)
        ]
        for person in people:
            typed = spelling(person.phone)
            assert list(search_people(cast.admin, typed)) == [person]
        transaction.set_rollback(True)
