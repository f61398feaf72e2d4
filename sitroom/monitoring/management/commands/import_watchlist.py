"""`sitroom import_watchlist FILE.csv`: columns term, kind, entity, language."""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sitroom.audit.context import ActorContext, acting_as


class Command(BaseCommand):
    help = "Import watchlist terms (candidates, parties, officials, hashtags, keywords)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        from sitroom.monitoring.services import watchterms_import

        with open(options["path"], encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        with acting_as(ActorContext(label="import_watchlist", channel="cli")):
            n = watchterms_import(rows=rows)
        self.stdout.write(f"{n} terms imported")
