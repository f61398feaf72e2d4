"""Language of a report's text, with py3langid (loaded once per process, ~0.1 ms a call)."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_identifier: Any = None
MODEL_NAME = "py3langid"
# Below this probability, or on too little text, the language is left blank for a person.
MIN_CONFIDENCE = 0.6
MIN_LETTERS = 12


def _get() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def warm_up() -> None:
    _get()


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or ("", 0.0) when the text is too short or unclear."""
    letters = sum(ch.isalpha() for ch in text[:2000])
    if letters < MIN_LETTERS:
        return "", 0.0
    from sitroom.nlp import romanised

    if romanised.romanised_hindi(text[:2000]):  # py3langid reads it as Hausa or Shona
        return romanised.CODE, romanised.CONFIDENCE
    code, probability = _get().classify(text[:2000])
    if probability < MIN_CONFIDENCE:
        return "", float(probability)
    return str(code), float(probability)
