"""Which language a text is in: py3langid (loaded once per process, ~0.1 ms a call), after
the word lists for Hindi in Latin letters (``sitroom.nlp.romanised``), which it misreads.

One identifier for the public intake (``sitroom.reports.language``, which blanks unclear
answers) and the monitoring pipeline's language step (which records every answer).
"""

from __future__ import annotations

import functools
from typing import Any

from sitroom.nlp import romanised


@functools.cache
def identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of ``text`` as given (callers cut long texts)."""
    if romanised.romanised_hindi(text):  # py3langid reads it as Hausa or Shona
        return romanised.CODE, romanised.CONFIDENCE
    code, probability = identifier().classify(text)
    return str(code), float(probability)
