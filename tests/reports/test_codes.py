from __future__ import annotations

import pytest

from sitroom.reports.codes import (
    ALPHABET,
    LENGTH,
    format_code,
    is_valid_code,
    new_tracking_code,
    normalise_code,
)


def test_codes_are_short_valid_and_distinct():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert len(code) == LENGTH and is_valid_code(code)
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")


def test_every_single_typo_is_detected():
    code = new_tracking_code()
    for i in range(LENGTH):
        for ch in ALPHABET:
            if ch != code[i]:
                assert not is_valid_code(code[:i] + ch + code[i + 1 :])


@pytest.mark.parametrize("sep", ["-", " ", "", "  -  ", "."])
def test_people_type_codes_loosely(sep: str):
    code = new_tracking_code()
    typed = (code[:5] + sep + code[5:]).lower().replace("0", "o").replace("1", "l")
    assert normalise_code(typed) == code
    assert format_code(code) == f"{code[:5]}-{code[5:]}"


def test_invalid_shapes():
    assert not is_valid_code("")
    assert not is_valid_code("ABC")
    assert not is_valid_code("U" * LENGTH)
