"""Core of ``sitroom classify --task hate|checkworthy --input FILE``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

from sitroom.nlp.classifiers import TASKS, load_classifier

BATCH = 256


class InputError(ValueError):
    """A malformed input line; the message names the line."""


def _no_constant(name: str) -> Any:
    """NaN and Infinity are Python's extension, not JSON: the output could not echo them."""
    raise ValueError(f"{name} is not a JSON value")


def _read(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any, str]]:
    # utf-8-sig: a file saved with a byte-order mark (Windows tools) reads the same.
    stream = sys.stdin if str(path) == "-" else open(path, encoding="utf-8-sig")
    try:
        for n, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_constant=_no_constant)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {n}: not valid JSON ({exc.msg})") from None
            except ValueError as exc:
                raise InputError(f"line {n}: not valid JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise InputError(f"line {n}: expected a JSON object with 'id' and 'text'")
            if "id" not in obj:
                raise InputError(f"line {n}: missing 'id'")
            if not isinstance(obj.get("text"), str):
                raise InputError(f"line {n}: 'text' must be a string")
            yield n, obj["id"], obj["text"]
    finally:
        if stream is not sys.stdin:
            stream.close()


def classify_run(
    task: str,
    input_path: str | os.PathLike[str],
    out: IO[str],
    *,
    err: IO[str] | None = None,
    model_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Read JSON lines ``{"id","text"}``, write ``{"id","label","score"}`` per line.

    Returns the exit status: 0 on success, 2 on bad input (message on ``err`` naming the
    line; nothing is written to ``out``), 1 if no model is available.
    """
    err = err or sys.stderr
    if task not in TASKS:
        err.write(f"error: unknown task {task!r}; expected one of {', '.join(TASKS)}\n")
        return 2
    try:
        clf = load_classifier(task, model_dir)
    except (FileNotFoundError, ValueError) as exc:
        err.write(f"error: {exc}\n")
        return 1
    # Validate the whole input before classifying, so bad input never yields partial output.
    try:
        items = [(ident, text) for _, ident, text in _read(input_path)]
    except InputError as exc:
        err.write(f"error: {input_path}: {exc}\n")
        return 2
    except UnicodeDecodeError:
        err.write(f"error: {input_path}: not UTF-8 text\n")
        return 2
    except OSError as exc:
        err.write(f"error: cannot read {input_path}: {exc}\n")
        return 2
    for i in range(0, len(items), BATCH):
        batch = items[i : i + BATCH]
        preds = clf.predict([t for _, t in batch])
        for (ident, _), p in zip(batch, preds, strict=False):
            out.write(json.dumps({"id": ident, "label": p.label, "score": p.score}) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sitroom.nlp.classifiers.cli")
    ap.add_argument("--task", required=True, choices=TASKS)
    ap.add_argument("--input", required=True, help="JSON lines file, or - for stdin")
    ap.add_argument("--model-dir", default=None)
    args = ap.parse_args(argv)
    return classify_run(args.task, args.input, sys.stdout, model_dir=args.model_dir)


if __name__ == "__main__":
    sys.exit(main())
