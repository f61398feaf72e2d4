"""`sitroom train --task T`: retrain a classifier from the deployment's own labels.

Labels come from monitors' labels on posts (and/or a file). A deterministic part of them is
held back; the new version is registered in SITROOM_MODEL_DIR and activated only if it does
not score worse on that held-back part than the active (or shipped) model.
"""

from __future__ import annotations

import json
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sitroom.audit.context import ActorContext, acting_as
from sitroom.audit.services import audit_record


class Command(BaseCommand):
    help = "Retrain a classifier from labelled data; activate it only if it is not worse."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task", required=True, choices=["hate", "checkworthy", "toxicity"])
        parser.add_argument(
            "--labels", help='JSON lines {"text","label","lang"} or CSV; default: monitors\' labels'
        )
        parser.add_argument(
            "--with-monitor-labels", action="store_true", help="add monitors' labels to --labels"
        )
        parser.add_argument(
            "--include-public",
            action="store_true",
            help="also train on the public sets the shipped model used",
        )
        parser.add_argument("--min-examples", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        from sitroom.nlp.classifiers.datasets import load_labelled_file
        from sitroom.nlp.training import train_from_labels

        task = options["task"]
        rows: list[dict[str, Any]] = []
        if options["labels"]:
            try:
                examples = load_labelled_file(options["labels"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"{options['labels']}: {exc}") from None
            rows += [{"text": e.text, "label": e.label, "lang": e.lang or ""} for e in examples]
        if not options["labels"] or options["with_monitor_labels"]:
            from sitroom.monitoring.selectors import labelled_examples

            rows += [
                {"text": t, "label": lab, "lang": lang} for t, lab, lang in labelled_examples(task)
            ]
        if len(rows) < options["min_examples"]:
            raise CommandError(
                f"only {len(rows)} labelled examples for {task}; need at least "
                f"{options['min_examples']} (label more posts in the monitoring workspace)"
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "labels.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            decision = train_from_labels(
                task, path, settings.MODEL_DIR, include_public=options["include_public"]
            )
        with acting_as(ActorContext(label="sitroom train", channel="cli")):
            audit_record(
                action="model.activate" if decision.activated else "model.reject",
                after={
                    "task": task,
                    "version": decision.candidate_version,
                    "why": decision.reason,
                    "examples": len(rows),
                },
            )
        verdict = "activated" if decision.activated else "NOT activated"
        self.stdout.write(f"{task} {decision.candidate_version}: {verdict} ({decision.reason})")
