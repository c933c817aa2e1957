"""Personal data at rest: encrypted in the database, found by exact value through a digest."""

from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from zhili.core import crypto
from zhili.people.models import Person
from zhili.testing.factories import PersonFactory, valid_id_number

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@contextmanager
def personal_data_keys(*keys, index_key=None):
    """Run with these Fernet keys (the first encrypts); the key cache is cleared both ways."""
    extra = {"PERSONAL_DATA_INDEX_KEY": index_key} if index_key else {}
    crypto.reset_key_cache()
    try:
        with override_settings(PERSONAL_DATA_KEYS=list(keys), **extra):
            yield
    finally:
        crypto.reset_key_cache()


def _raw_row(person: Person) -> tuple[str, str, str, str]:
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT phone, phone_digest, id_number, id_digest FROM {table} WHERE id = %s",
            [person.pk],
        )
        return cursor.fetchone()


def test_a_value_comes_back_as_typed_and_its_ciphertext_never_repeats():
    first, second = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert first != second
    assert "13812345678" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


def test_the_search_digest_is_stable_and_tells_values_apart():
    assert crypto.blind_index("13812345678") == crypto.blind_index("13812345678")
    assert crypto.blind_index("13812345678") != crypto.blind_index("13812345679")
    assert len(crypto.blind_index("13812345678")) == 40
    assert crypto.digest_or_blank("") == ""
    assert crypto.digest_or_blank(None) == ""


def test_the_digest_depends_on_the_index_key():
    plain = crypto.blind_index("13812345678")
    with personal_data_keys(OLD_KEY, index_key="another-city's-index-key"):
        assert crypto.blind_index("13812345678") != plain


def test_rotated_keys_still_read_old_data_and_new_writes_use_the_new_key():
    with personal_data_keys(OLD_KEY):
        written_last_year = crypto.encrypt("0798-6812345")
    with personal_data_keys(NEW_KEY, OLD_KEY):
        assert crypto.decrypt(written_last_year) == "0798-6812345"
        written_today = crypto.encrypt("0798-6812345")
    with personal_data_keys(NEW_KEY):
        assert crypto.decrypt(written_today) == "0798-6812345"


def test_a_key_that_does_not_fit_is_an_error_not_garbage():
    with personal_data_keys(OLD_KEY):
        token = crypto.encrypt("13812345678")
    with personal_data_keys(NEW_KEY), pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_a_person_is_stored_encrypted_and_read_in_the_clear(city):
    id_number = valid_id_number(seq=7)
    person = PersonFactory(phone="13812345678", id_number=id_number, address_place=city.g1)

    phone_raw, phone_digest, id_raw, id_digest = _raw_row(person)
    assert "5678" not in phone_raw and "1381234" not in phone_raw
    assert id_number[6:14] not in id_raw  # not even the birth date leaks
    assert phone_digest == crypto.blind_index("13812345678")
    assert id_digest == crypto.blind_index(id_number)

    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.phone, fresh.id_number) == ("13812345678", id_number)


def test_a_person_is_found_by_exact_phone_through_the_digest_only(city):
    wanted = PersonFactory(phone="13812345678", address_place=city.g1)
    PersonFactory(phone="13812345679", address_place=city.g1)

    found = Person.objects.filter(phone_digest=crypto.blind_index("13812345678"))
    assert list(found) == [wanted]
    # The column holds ciphertext, so a plain comparison can never match.
    assert not Person.objects.filter(phone="13812345678").exists()


def test_a_changed_phone_gets_a_new_digest(city):
    person = PersonFactory(phone="13812345678", address_place=city.g1)
    person.phone = "13900001111"
    person.save()
    assert Person.objects.filter(phone_digest=crypto.blind_index("13900001111")).get() == person
    assert not Person.objects.filter(phone_digest=crypto.blind_index("13812345678")).exists()


def test_an_empty_value_stays_empty_with_no_digest(city):
    person = PersonFactory(phone="", id_number="", address_place=city.g1)
    assert _raw_row(person) == ("", "", "", "")
    assert Person.objects.get(pk=person.pk).phone == ""
