"""The classifier interface shared by every task."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

TASKS = ("hate", "toxicity", "checkworthy")
# (negative label, positive label) per task, as printed by ``sitroom classify``.
LABELS: dict[str, tuple[str, str]] = {
    "hate": ("non-hateful", "hateful"),
    "toxicity": ("non-toxic", "toxic"),
    "checkworthy": ("no", "yes"),
}


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process and on every machine
    (Python's ``hash`` is salted per process): training picks cases, splits and folds by it,
    so ``build-defaults`` rebuilds the same model."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(slots=True)
class Prediction:
    label: str
    score: float  # calibrated probability of the positive label
    model_name: str
    model_version: str
    evidence: list[str] = field(default_factory=list)
    target_group: str | None = None

    @property
    def positive(self) -> bool:
        return self.label in {pos for _, pos in LABELS.values()}


@runtime_checkable
class Classifier(Protocol):
    task: str
    name: str
    version: str

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...


class ModelNotFoundError(FileNotFoundError):
    pass
