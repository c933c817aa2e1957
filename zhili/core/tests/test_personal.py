"""Phone and ID-card numbers: what a registrar types, what is accepted, what others see."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from zhili.core.personal import (
    id_birth_date,
    id_check_character,
    id_gender,
    mask_id_number,
    mask_phone,
    redact_numbers,
    validate_id_number,
    validate_phone,
)

# GB 11643's own worked example. Check digit by hand: the weighted sum of 11010519491231002
# is 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167, 167 mod 11 = 2, and remainder 2 is "X".
GB_EXAMPLE = "11010519491231002X"
# A man of Leping born 15 June 1985: 36028119850615123 weighs
# 21+54+0+10+64+4+2+9+48+15+0+54+10+25+8+8+6 = 338, 338 mod 11 = 8, and remainder 8 is "4".
OTHER_EXAMPLE = "360281198506151234"


def _code(raw, validator):
    with pytest.raises(ValidationError) as info:
        validator(raw)
    assert str(info.value.messages[0])  # a sentence for the registrar, not a blank
    return info.value.code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0798-6812345", "0798-6812345"),
        ("07986812345", "0798-6812345"),
        ("(0798) 6812345", "0798-6812345"),
        ("01087654321", "010-87654321"),
    ],
)
def test_phones_are_accepted_in_the_ways_people_type_them(typed, stored):
    assert validate_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "1381234567",
        "138123456789",
        "12812345678",
        "abc13812345678",
        "0798-68123",
        "798-6812345",
    ],
)
def test_a_wrong_phone_is_refused_with_its_own_code(typed):
    assert _code(typed, validate_phone) == "invalid_phone"


@pytest.mark.parametrize("typed", [GB_EXAMPLE, OTHER_EXAMPLE])
def test_a_real_id_number_is_accepted(typed):
    assert validate_id_number(typed) == typed


def test_an_id_number_is_normalised_before_it_is_checked():
    assert validate_id_number(" 110105 19491231 002x ") == GB_EXAMPLE


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("110105194912310021", "invalid_id_check"),  # last character mistyped: X -> 1
        ("110105194912301002X", "invalid_id_shape"),  # 19 characters
        ("1101051949123100X", "invalid_id_shape"),  # 17 characters
        ("11010519491231X02X", "invalid_id_shape"),  # X not at the end
        ("91010519491231002X", "invalid_id_region"),  # no region starts with 9
        ("11010519490231002X", "invalid_id_birth"),  # 31 February
        ("11010518991231002X", "invalid_id_birth"),  # born in 1899
    ],
)
def test_a_wrong_id_number_is_refused_with_the_reason(typed, code):
    assert _code(typed, validate_id_number) == code


def test_an_id_number_born_in_the_future_is_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = f"110105{tomorrow:%Y%m%d}123"
    assert _code(first17 + id_check_character(first17), validate_id_number) == "invalid_id_birth"


def test_birth_date_and_gender_are_read_from_the_number():
    assert id_birth_date(GB_EXAMPLE) == dt.date(1949, 12, 31)
    assert id_gender(GB_EXAMPLE) == "F"  # 17th digit 2 is even
    assert id_birth_date(OTHER_EXAMPLE) == dt.date(1985, 6, 15)
    assert id_gender(OTHER_EXAMPLE) == "M"  # 17th digit 3 is odd


def test_masks_hide_the_middle():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0798-6812345") == "0798****45"
    assert mask_phone("") == ""
    assert mask_id_number(GB_EXAMPLE) == "110***********002X"
    assert mask_id_number("") == ""


# --- Properties of the GB 11643 check character ---------------------------------------------

_regions = st.integers(100000, 899999).map(str)
_births = st.dates(dt.date(1900, 1, 1), dt.date.today())
_sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def valid_id_numbers(draw) -> str:
    first17 = f"{draw(_regions)}{draw(_births):%Y%m%d}{draw(_sequences)}"
    return first17 + id_check_character(first17)


@given(valid_id_numbers())
def test_any_well_formed_prefix_with_its_check_character_validates(number):
    assert validate_id_number(number) == number


@given(valid_id_numbers(), st.integers(0, 17), st.integers(1, 10))
def test_one_mistyped_character_never_passes(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:
        new = alphabet[(old + 1) % len(alphabet)]
    typo = number[:position] + new + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(typo)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("请回电13812345678谢谢", "请回电138****5678谢谢"),
        ("电话 138-1234-5678", "电话 138****5678"),
        ("身份证110101199003074514。", "身份证110***********4514。"),
        ("ID 11010119900307451X", "ID 110***********451X"),
        # Not a phone: a longer number, a case number, a plate, a price.
        ("事件 20261126003201", "事件 20261126003201"),
        ("单号 913812345678", "单号 913812345678"),
        ("京A12345 停了3天 价格1380元", "京A12345 停了3天 价格1380元"),
        ("", ""),
    ],
)
def test_numbers_in_free_text_are_masked_for_the_public(text, shown):
    assert redact_numbers(text) == shown
