"""Encryption at rest for personal data (Fernet), with key rotation.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (env SITROOM_FIELD_ENCRYPTION_KEYS,
comma-separated Fernet keys): the first encrypts, all decrypt, so a new key is rotated in
by putting it first and the old one is dropped once every row has been re-encrypted (``rotate_text``).
Without keys, one key is derived from SECRET_KEY with HKDF: fine for a pilot, but then
rotating SECRET_KEY makes the data unreadable - set real keys for an election.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt_text", "encrypt_text", "generate_key"]


def derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sitroom-field-encryption", info=b"v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(derived_key(secret_key))])
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "SITROOM_FIELD_ENCRYPTION_KEYS: each key must be a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with Fernet.generate_key())"
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_text(value: str) -> str:
    """A Fernet token (ASCII) for ``value``; the empty string stays empty."""
    if not value:
        return ""
    return _current().encrypt(value.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plaintext of a token made by any configured key; raises InvalidToken otherwise."""
    if not token:
        return ""
    return _current().decrypt(token.encode("ascii")).decode()


def rotate_text(token: str) -> str:
    """The token re-encrypted under the first (current) key."""
    if not token:
        return ""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
