"""Text classifiers (hate speech, toxicity, check-worthiness) behind one interface.

>>> clf = load_classifier("checkworthy")
>>> clf.predict(["Unemployment fell by 3% last year."])[0].label
'yes'

Models resolve in this order: an explicit ``model_dir`` (a registry written by
:mod:`sitroom.nlp.training`), then ``$SITROOM_MODEL_DIR``, then the shipped defaults in
``sitroom/nlp/models/<task>``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sitroom.nlp.classifiers.base import (
    LABELS,
    TASKS,
    Classifier,
    ModelNotFoundError,
    Prediction,
)
from sitroom.nlp.classifiers.model import AnyModel, RoutedModel, StackedModel, load_model

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models"

__all__ = [
    "LABELS",
    "TASKS",
    "Classifier",
    "ModelNotFoundError",
    "Prediction",
    "RoutedModel",
    "StackedModel",
    "load_classifier",
    "resolve_model_path",
]

_lock = threading.Lock()
_loaded: dict[tuple[str, str], AnyModel] = {}


def resolve_model_path(task: str, model_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the model that would serve ``task`` right now."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    base = model_dir or os.environ.get("SITROOM_MODEL_DIR")
    if base:
        active = Path(base) / task / "ACTIVE"
        if active.exists():
            version = active.read_text().strip()
            if version and (Path(base) / task / version / "model.json").exists():
                return Path(base) / task / version
    shipped = SHIPPED_DIR / task
    if (shipped / "model.json").exists():
        return shipped
    raise ModelNotFoundError(f"no model for task {task!r} (looked in {base or '-'} and shipped)")


def load_classifier(task: str, model_dir: str | os.PathLike[str] | None = None) -> AnyModel:
    """The active classifier for ``task`` (loaded once per process and version)."""
    path = resolve_model_path(task, model_dir)
    key = (task, str(path))
    with _lock:
        if key not in _loaded:
            _loaded[key] = load_model(path)
        return _loaded[key]
