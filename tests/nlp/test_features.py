"""The classifiers' input cleaning: placeholders for links and handles, obfuscation undone."""

from __future__ import annotations

import pytest

from sitroom.nlp.classifiers.features import clean_for_model, deobfuscate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Letters spaced out, in several scripts, with punctuation after the word.
        ("There is nothing I despise more than t r a n s people.", "than trans people."),
        ("I hate g a y people", "I hate gay people"),
        ("F r a n c h e m e n t, les Noirs", "Franchement, les Noirs"),
        ("أكثر من ا ل م ث ل ي و ن.", "أكثر من المثليون."),
        ("इन सारे ह ि ज ड ़ े को देखो", "इन सारे हिजड़े को देखो"),
        # Leetspeak between letters, in words of three letters or more.
        ("Vous connaissez les h0m053xu3l5 ?", "Vous connaissez les homosexuels ?"),
        ("k1ll them all, n1gg3rs", "kill them all, niggers"),
        ("bienvenid@s tod@s", "bienvenidas todas"),
        # Letters repeated: two kept, one in Arabic script (which writes no double letters).
        ("I haaaaate them sooooo much", "I haate them soo much"),
        ("ما صدقش المسلمييييين", "ما صدقش المسلمين"),
    ],
)
def test_obfuscated_spellings_are_undone(text: str, expected: str) -> None:
    assert expected in deobfuscate(text)


@pytest.mark.parametrize(
    "text",
    [
        # Numbers, codes and hashtags are not leetspeak.
        "#COVID19NL cases rose 12% since covid2019 started, 4ever B2B h1n1 AbascalA3N G7EZ",
        "#G7summit #Debatea7RTVE",
        "@jo3l said so",
        # Single-letter words are not a spaced-out word: Bulgarian, Russian, texting, Arabic.
        "вкъщи си и е с леки симптоми",
        "в съседната, а и в съседни",
        "because u r a woman",
        "و و و ..!!",
        # Two letters are not enough to tell.
        "a b testing",
        # Double letters and repeated digits are ordinary.
        "Aaron's cool bookkeeping, 1000 votes",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert deobfuscate(text) == text


def test_clean_for_model_reduces_links_and_handles_and_undoes_obfuscation() -> None:
    text = "RT @someone: the j e w s and @other h4te https://t.co/x us"
    assert clean_for_model(text) == "the jews and @user hate us"
    assert clean_for_model("   ") == "(empty)"
