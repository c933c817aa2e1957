"""Validation, normalisation and masking of Chinese phone and ID-card numbers."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")

# GB 11643-1999: weights of the first 17 digits, and the check character for each remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(raw: str) -> str:
    """Mobile numbers lose spaces, dashes and a +86/0086 prefix; landlines keep one dash."""
    value = re.sub(r"[\s()（）]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    digits = value.replace("-", "")
    if _MOBILE.match(digits):
        return digits
    if value.startswith("0") and "-" not in value and 10 <= len(digits) <= 12:
        # 0798xxxxxxx: split the area code (3 digits for 010/02x, else 4).
        cut = 3 if digits[1] in "12" else 4
        value = f"{digits[:cut]}-{digits[cut:]}"
    return value


def validate_phone(raw: str) -> str:
    value = normalise_phone(raw)
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number (e.g. 13812345678) or a landline such as "
                "0798-6812345."
            ),
            code="invalid_phone",
        )
    return value


def id_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def validate_id_number(raw: str) -> str:
    """Checks an 18-character resident ID number (GB 11643): shape, birth date, check digit."""
    value = normalise_id_number(raw)
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(
            _("An ID-card number has 18 characters: 17 digits and a digit or X."),
            code="invalid_id_shape",
        )
    if value[0] not in "12345678":
        raise ValidationError(
            _("The ID-card number has an unknown region code."), code="invalid_id_region"
        )
    if id_birth_date(value) is None:
        raise ValidationError(
            _("The birth date inside the ID-card number is not a real date."),
            code="invalid_id_birth",
        )
    if id_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The ID-card number's check digit is wrong; please check it for a typing error."),
            code="invalid_id_check",
        )
    return value


def id_birth_date(value: str) -> dt.date | None:
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born.year < 1900 or born > timezone.localdate():
        return None
    return born


def id_gender(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd for men)."""
    return "M" if int(value[16]) % 2 else "F"


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if _MOBILE.match(value):
        return f"{value[:3]}****{value[-4:]}"
    return f"{value[:4]}****{value[-2:]}" if len(value) > 6 else "****"


def mask_name(value: str) -> str:
    """A person's name with the surname alone kept: 王居民 → 王**."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


# Numbers as people type them into free text: a mobile (maybe split by spaces or dashes) or
# an 18-character ID number, not inside a longer run of digits.
_MOBILE_IN_TEXT = re.compile(r"(?<![\dA-Za-z])1[3-9]\d(?:[ -]?\d){8}(?![\dA-Za-z])")
_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


def redact_numbers(text: str) -> str:
    """Free text with the mobile and ID numbers in it masked, for text shown to the public
    (a citizen who types a phone number into a description does not mean to publish it)."""
    if not text:
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"[ -]", "", m.group())), text)
