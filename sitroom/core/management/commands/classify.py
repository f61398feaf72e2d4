"""`sitroom classify --task hate|checkworthy|toxicity --input FILE`: JSON lines in, JSON lines out.

Uses the same models as the running system: the version activated by `sitroom train` in
SITROOM_MODEL_DIR if there is one, else the model shipped in the package.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = 'Classify JSON lines {"id", "text"}; print {"id", "label", "score"} per line.'
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task", required=True, choices=["hate", "checkworthy", "toxicity"])
        parser.add_argument("--input", required=True, help="JSON lines file, or - for stdin")
        parser.add_argument("--model-dir", default=None, help="a model directory to use instead")

    def handle(self, *args: Any, **options: Any) -> None:
        from sitroom.nlp.classifiers.cli import classify_run

        status = classify_run(
            options["task"],
            options["input"],
            sys.stdout,
            err=sys.stderr,
            model_dir=options["model_dir"],
        )
        sys.stdout.flush()
        if status:
            raise CommandError("sitroom classify failed (see the message above)", returncode=status)
