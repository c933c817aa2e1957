"""Personal data at rest: Fernet encryption plus a keyed digest for exact-value search.

The ciphertext changes on every write (Fernet uses a random IV), so it cannot be searched;
the digest (HMAC-SHA256 under a separate key) can, and reveals nothing without that key.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.PERSONAL_DATA_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong or rotated-out key must not pass silently
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def blind_index(value: str) -> str:
    key = settings.PERSONAL_DATA_INDEX_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


def reset_key_cache() -> None:
    _fernet.cache_clear()


def digest_or_blank(value: str | None) -> str:
    """The search digest of a personal value, or "" when there is no value."""
    return blind_index(value) if value else ""
