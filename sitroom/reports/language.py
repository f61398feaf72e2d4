"""Language of a report's text (``sitroom.nlp.langid``), left blank when it is unclear."""

from __future__ import annotations

from sitroom.nlp.langid import identifier, identify

MODEL_NAME = "py3langid"
# Below this probability, or on too little text, the language is left blank for a person.
MIN_CONFIDENCE = 0.6
MIN_LETTERS = 12


def warm_up() -> None:
    identifier()


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or ("", 0.0) when the text is too short or unclear."""
    letters = sum(ch.isalpha() for ch in text[:2000])
    if letters < MIN_LETTERS:
        return "", 0.0
    code, probability = identify(text[:2000])
    if probability < MIN_CONFIDENCE:
        return "", probability
    return code, probability
