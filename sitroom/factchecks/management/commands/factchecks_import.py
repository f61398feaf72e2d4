from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sitroom.accounts.models import Organisation
from sitroom.audit.context import ActorContext, acting_as
from sitroom.factchecks.imports import FORMATS, factchecks_import
from sitroom.factchecks.models import Rating


class Command(BaseCommand):
    help = (
        "Import fact-checks for a newsroom: ClaimReview JSON-LD (JSON or HTML), CSV (columns "
        "id, url, claim, claimant, claim_date, appearance_url, title, rating, summary, "
        "language, published_at) or CLEF vclaims JSON lines. Idempotent."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--org", required=True, help="slug of the authoring organisation")
        parser.add_argument(
            "--rating", help="rating label for items without a verdict (e.g. vclaims)"
        )
        parser.add_argument("--verbose-items", action="store_true", help="list every item")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation with slug {options['org']!r}")
        rating = None
        if options["rating"]:
            rating = Rating.objects.filter(label__iexact=options["rating"]).first()
            if rating is None:
                labels = ", ".join(Rating.objects.values_list("label", flat=True))
                raise CommandError(f"no rating {options['rating']!r}; ratings: {labels}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        with acting_as(ActorContext(label="factchecks_import", channel="cli")):
            run = factchecks_import(
                organisation=org,
                fmt=options["format"],
                data=data,
                source=path.name,
                by=None,
                default_rating=rating,
            )
        if run.error:
            raise CommandError(f"{path}: {run.error}")
        reasons: dict[str, int] = {}
        for d in run.details:
            if d["outcome"] == "skipped":
                reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
            if options["verbose_items"]:
                self.stdout.write(f"  {d['outcome']:<9} {d['item']}  {d['reason']}")
        self.stdout.write(f"{run.imported} imported, {run.updated} updated, {run.skipped} skipped")
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  skipped {count}: {reason}")
