"""Tracking codes: 9 random Crockford base32 symbols and a check symbol, e.g. ``7KQ2M-XD4TB``.

Crockford's alphabet has no I, L, O or U, so a code read aloud or copied from an SMS is
hard to get wrong, and ``normalise_code`` maps the look-alikes back (O→0, I/L→1). The
check symbol (Luhn mod 32) catches every single mistyped symbol and most swaps of two
neighbours, so a typo is told apart from an unknown code without a database lookup.
45 random bits: guessing a live code by brute force is hopeless behind the rate limit.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 9
LENGTH = RANDOM_LENGTH + 1
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def check_symbol(payload: str) -> str:
    """Luhn mod N over the alphabet (N = 32)."""
    n = len(ALPHABET)
    factor = 2
    total = 0
    for ch in reversed(payload):
        addend = factor * _INDEX[ch]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_tracking_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_symbol(payload)


def normalise_code(raw: str) -> str:
    """Upper case, separators removed, look-alike letters mapped; may still be invalid."""
    return _SEPARATORS.sub("", raw or "").upper().translate(_LOOKALIKES)


def is_valid_code(code: str) -> bool:
    if len(code) != LENGTH or any(ch not in _INDEX for ch in code):
        return False
    return check_symbol(code[:-1]) == code[-1]


def format_code(code: str) -> str:
    """Grouped for reading aloud: ``7KQ2M-XD4TB``."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code
