"""Match any text to the published fact-checks that address the same claim.

    from sitroom.nlp.matching import MatchIndex
    index = MatchIndex.open("var/match-index")            # the single writer
    index.upsert("fc-123", {"title": ..., "claim": ...}, lang="en", meta={"url": ...})
    index.search("text of a post", top=5)                 # -> list[Match]

    reader = MatchIndex.open("var/match-index", readonly=True)   # any other process

See docs/matching.md for the design and the measured figures.
"""

from __future__ import annotations

import os
from typing import IO

from sitroom.nlp.matching.engine import FIELD_ALIASES, FIELDS, Match, ScoringModel
from sitroom.nlp.matching.index import (
    EmbedderMismatchError,
    FactCheckDoc,
    IndexCorruptError,
    IndexLockedError,
    MatchIndex,
    ReadOnlyIndexError,
)
from sitroom.nlp.matching.text import query_input


def match_run(
    factchecks_path: str | os.PathLike[str],
    queries_path: str | os.PathLike[str],
    top: int = 10,
    out: IO[str] | str | os.PathLike[str] | None = None,
    index_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Index the fact-checks, rank them for every query, write a TREC run (see cli.py)."""
    # Imported here so that ``python -m sitroom.nlp.matching.cli`` runs cleanly.
    from sitroom.nlp.matching.cli import match_run as run

    run(factchecks_path, queries_path, top, out, index_dir)


__all__ = [
    "FIELDS",
    "FIELD_ALIASES",
    "EmbedderMismatchError",
    "FactCheckDoc",
    "IndexCorruptError",
    "IndexLockedError",
    "Match",
    "MatchIndex",
    "ReadOnlyIndexError",
    "ScoringModel",
    "match_run",
    "query_input",
]
