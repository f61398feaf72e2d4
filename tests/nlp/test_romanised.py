from __future__ import annotations

import pytest

from sitroom.nlp import romanised
from sitroom.reports.language import detect_language

HINDI = [
    "Mujhe lagta hai ki yeh log kabhi nahi sudhrenge.",
    "Chunaav ke din sab log vote dene zaroor jaayein, yeh humara haq hai!",
    "kya baat hai, aaj to bahut garmi hai",
]
OTHERS = [
    "The polling stations open at seven, bring your ID.",  # English
    "el gobierno ya no hace nada por la gente de aqui",  # Spanish
    "Vituo vya kupigia kura vitafunguliwa saa moja asubuhi.",  # Swahili
    "Saya tidak tahu apa yang terjadi di sana kemarin.",  # Indonesian
    "Hindi ko alam kung saan sila pupunta bukas.",  # Tagalog
    "मुझे लगता है कि यह सच नहीं है।",  # Hindi in Devanagari: py3langid's own
    "ok",
]


@pytest.mark.parametrize("text", HINDI)
def test_hindi_in_latin_letters_is_found(text):
    assert romanised.romanised_hindi(text)
    assert detect_language(text) == ("hi", romanised.CONFIDENCE)
    assert romanised.script_language("hi", text) == "hi-Latn"


@pytest.mark.parametrize("text", OTHERS)
def test_other_languages_and_devanagari_are_not(text):
    assert not romanised.romanised_hindi(text)
    assert romanised.script_language("hi", text) in {"hi", "hi-Latn"}
    if text.startswith("मुझे"):
        assert romanised.script_language("hi", text) == "hi"
        assert detect_language(text)[0] == "hi"
    assert romanised.script_language("sw", text) == "sw"
