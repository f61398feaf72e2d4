"""`sitroom match --factchecks FILE --queries FILE --top N`: a TREC run from the live engine.

Uses the matching engine exactly as the running system does (same embedder from
SITROOM_EMBEDDER, same scoring model) on an index built from FILE; needs no database.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Rank fact-checks (JSON lines or headed TSV) for each query (TSV id<TAB>text) and "
        "write a TREC run: qid Q0 doc_id rank score sitroom."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--factchecks", required=True, help="JSON lines (or headed TSV)")
        parser.add_argument("--queries", required=True, help="TSV: id<TAB>text")
        parser.add_argument("--top", type=int, default=10, help="fact-checks per query (10)")
        parser.add_argument("--out", help="write the run here (default: standard output)")
        parser.add_argument("--index", help="keep the built index in this directory")

    def handle(self, *args: Any, **options: Any) -> None:
        from sitroom.nlp.matching import match_run
        from sitroom.nlp.matching.cli import MatchInputError
        from sitroom.nlp.matching.index import IndexError_

        try:
            match_run(
                options["factchecks"],
                options["queries"],
                options["top"],
                options["out"] or self.stdout,
                options["index"],
            )
        except (MatchInputError, IndexError_, ValueError, OSError) as exc:
            raise CommandError(f"sitroom match: {exc}", returncode=2) from None
