"""The `sitroom classify` and `sitroom train` commands, end to end through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sitroom.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def test_classify_prints_json_lines_for_each_input(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "Unemployment fell by 4% last year."})
        + "\n"
        + json.dumps({"id": "b", "text": "Thank you all for coming tonight!"})
        + "\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitroom.cli",
            "classify",
            "--task",
            "checkworthy",
            "--input",
            str(src),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == [1, "b"]
    assert all(r["label"] in ("yes", "no") and 0.0 <= r["score"] <= 1.0 for r in rows)
    assert rows[0]["score"] > rows[1]["score"]


def test_classify_bad_input_fails_clearly(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\nnot json\n')
    result = subprocess.run(
        [sys.executable, "-m", "sitroom.cli", "classify", "--task", "hate", "--input", str(src)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "line 2" in result.stderr and result.stdout == ""


@pytest.mark.django_db
def test_train_refuses_too_few_labels(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"text": "x", "label": "yes", "lang": "en"}) + "\n")
    with pytest.raises(CommandError, match="only 1 labelled examples"):
        call_command("train", task="checkworthy", labels=str(labels))


@pytest.mark.django_db
def test_train_registers_and_decides_activation_with_audit(tmp_path, settings):
    settings.MODEL_DIR = tmp_path / "models"
    claims = [f"The budget deficit rose to {n}% of GDP in {2000 + n}." for n in range(20)]
    chatter = [f"Good morning everyone, lovely day number {n}!" for n in range(20)]
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(json.dumps({"text": t, "label": "yes", "lang": "en"}) + "\n" for t in claims)
        + "".join(json.dumps({"text": t, "label": "no", "lang": "en"}) + "\n" for t in chatter)
    )
    call_command("train", task="checkworthy", labels=str(labels))
    event = AuditEvent.objects.get(action__in=["model.activate", "model.reject"])
    assert event.after["task"] == "checkworthy" and event.after["examples"] == 40
    assert (settings.MODEL_DIR / "checkworthy").is_dir()
