"""``sitroom match``: rank fact-checks for a file of queries and write a TREC run.

    sitroom match --factchecks vclaims.jsonl --queries tweets.tsv --top 5 [--out run.tsv]

Fact-checks: JSON lines (CLEF ``vclaim_id``/``title``/``subtitle``/``vclaim``, or generic
``id``/``text``/``claim``/``claimReviewed``), or a TSV whose header names those columns (the
CLEF-2020 ``verified_claims.docs.tsv``). Queries: TSV ``id<TAB>text``; a header row (first field
``iclaim_id``, ``id``, ``tweet_id`` or empty) is skipped, extra columns are ignored, and
CSV-style quoting ("...""...") is undone.

The run is produced by the very same :class:`MatchIndex` (same defaults, same scoring model)
the live system uses, built in a temporary directory unless ``--index`` names one to keep.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from sitroom.nlp.matching.engine import canonical_fields
from sitroom.nlp.matching.index import FactCheckDoc, IndexError_, MatchIndex

ID_KEYS = ("vclaim_id", "id", "doc_id", "factcheck_id", "url")
QUERY_HEADER_IDS = frozenset({"", "iclaim_id", "id", "tweet_id", "qid", "query_id"})
RUN_TAG = "sitroom"


class MatchInputError(ValueError):
    """Bad input file; the message names the file and line."""


def _open_text(path: Path) -> IO[str]:
    try:
        return open(path, encoding="utf-8-sig", newline="")  # a byte-order mark is skipped
    except OSError as exc:
        raise MatchInputError(f"{path}: cannot open: {exc.strerror}") from exc


def _doc_from_mapping(obj: dict[str, Any], where: str) -> FactCheckDoc:
    doc_id = next((obj[k] for k in ID_KEYS if obj.get(k) not in (None, "")), None)
    if doc_id is None:
        raise MatchInputError(f"{where}: no id (expected one of {', '.join(ID_KEYS)})")
    fields = canonical_fields(obj)
    if not fields:
        raise MatchInputError(
            f"{where}: no text (expected title, subtitle, vclaim, claim, claimReviewed or text)"
        )
    lang = obj.get("lang") or obj.get("language")
    meta = {k: obj[k] for k in ("date", "author", "page_url", "url", "rating") if obj.get(k)}
    return FactCheckDoc(str(doc_id), fields, lang if isinstance(lang, str) else None, meta)


def read_factchecks(path: Path) -> Iterator[FactCheckDoc]:
    """Yield fact-checks from a JSON-lines file (or a TSV with a header row)."""
    seen: set[str] = set()
    with _open_text(path) as fh:
        first = fh.readline()
        fh.seek(0)
        docs: Iterator[tuple[int, FactCheckDoc]]
        if first.lstrip().startswith("{") or not first.strip():
            docs = _read_jsonl(fh, path)
        else:
            docs = _read_tsv(fh, path)
        for lineno, doc in docs:
            if doc.doc_id in seen:
                raise MatchInputError(f"{path}:{lineno}: duplicate id {doc.doc_id!r}")
            seen.add(doc.doc_id)
            yield doc


def _read_jsonl(fh: IO[str], path: Path) -> Iterator[tuple[int, FactCheckDoc]]:
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise MatchInputError(f"{path}:{lineno}: invalid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise MatchInputError(f"{path}:{lineno}: expected a JSON object")
        yield lineno, _doc_from_mapping(obj, f"{path}:{lineno}")


def _rows(fh: IO[str], path: Path) -> Iterator[tuple[Any, list[str]]]:
    """(reader, row) for each TSV row, quoted fields as pandas writes them.

    A quote that is never closed would swallow every following line into one field (and the
    queries on them would be lost in silence); a field holding both a newline and a tab is
    that, since a tab is the delimiter. csv's own errors (a field over its 131,072-character
    limit) are reported with the line too."""
    reader = csv.reader(fh, delimiter="\t")
    start = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MatchInputError(f"{path}:{reader.line_num}: cannot read the TSV: {exc}") from None
        if any("\n" in cell and "\t" in cell for cell in row):
            raise MatchInputError(
                f"{path}:{start + 1}: a quote opened on this line is never closed, so the "
                "lines after it would be read as part of it; close or remove the quote"
            )
        start = reader.line_num
        yield reader, row


def _read_tsv(fh: IO[str], path: Path) -> Iterator[tuple[int, FactCheckDoc]]:
    rows = _rows(fh, path)
    reader, header = next(rows, (None, []))
    names = [h.strip() for h in header]
    if names and names[0] == "":
        names[0] = "id"  # pandas-style index column (CLEF-2020)
    if not any(n in ID_KEYS for n in names):
        raise MatchInputError(
            f"{path}:1: not JSON lines and no TSV header naming an id column ({', '.join(ID_KEYS)})"
        )
    start = reader.line_num if reader is not None else 0
    for reader, row in rows:
        if not any(cell.strip() for cell in row):
            start = reader.line_num
            continue
        where = f"{path}:{start + 1}"
        if len(row) > len(names):
            raise MatchInputError(f"{where}: {len(row)} columns, header has {len(names)}")
        yield start + 1, _doc_from_mapping(dict(zip(names, row)), where)
        start = reader.line_num


def read_queries(path: Path) -> list[tuple[str, str]]:
    """``(id, text)`` pairs from a query TSV (see module docstring)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    with _open_text(path) as fh:
        start = 0
        for reader, row in _rows(fh, path):
            lineno = start + 1
            start = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if not out and lineno == 1 and row[0].strip().lower() in QUERY_HEADER_IDS:
                continue
            if len(row) < 2:
                raise MatchInputError(f"{path}:{lineno}: expected 'id<TAB>text'")
            qid, text = row[0].strip(), row[1].strip()
            if not qid:
                raise MatchInputError(f"{path}:{lineno}: empty query id")
            if any(c.isspace() for c in qid):
                raise MatchInputError(f"{path}:{lineno}: query id {qid!r} contains whitespace")
            if not text:
                raise MatchInputError(f"{path}:{lineno}: empty query text")
            if qid in seen:
                raise MatchInputError(f"{path}:{lineno}: duplicate query id {qid!r}")
            seen.add(qid)
            out.append((qid, text))
    if not out:
        raise MatchInputError(f"{path}: no queries")
    return out


def build_index(index: MatchIndex, factchecks_path: Path) -> int:
    return index.upsert_many(read_factchecks(factchecks_path))


def write_run(
    index: MatchIndex, queries: Sequence[tuple[str, str]], top: int, out: IO[str]
) -> None:
    batch = 64
    for i in range(0, len(queries), batch):
        chunk = queries[i : i + batch]
        results = index.search_many([t for _, t in chunk], top=top)
        for (qid, _), matches in zip(chunk, results):
            for rank, m in enumerate(matches, start=1):
                out.write(f"{qid}\tQ0\t{m.doc_id}\t{rank}\t{m.score:.10g}\t{RUN_TAG}\n")


def match_run(
    factchecks_path: str | os.PathLike[str],
    queries_path: str | os.PathLike[str],
    top: int = 10,
    out: IO[str] | str | os.PathLike[str] | None = None,
    index_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Index the fact-checks, rank them for every query and write a TREC run to ``out``."""
    if top < 1:
        raise MatchInputError("--top must be at least 1")
    queries = read_queries(Path(queries_path))
    with tempfile.TemporaryDirectory(prefix="sitroom-match-") as tmp:
        directory = Path(index_dir) if index_dir else Path(tmp)
        with MatchIndex.open(directory, durable=False) as index:
            build_index(index, Path(factchecks_path))
            if len(index) == 0:
                raise MatchInputError(f"{factchecks_path}: no fact-checks")
            if out is None:
                write_run(index, queries, top, sys.stdout)
            elif isinstance(out, (str, os.PathLike)):
                tmp_out = Path(str(out) + ".part")
                with open(tmp_out, "w", encoding="utf-8") as fh:
                    write_run(index, queries, top, fh)
                os.replace(tmp_out, out)
            else:
                write_run(index, queries, top, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitroom match", description="Rank published fact-checks for each query."
    )
    parser.add_argument("--factchecks", required=True, help="JSON lines (or headed TSV)")
    parser.add_argument("--queries", required=True, help="TSV: id<TAB>text")
    parser.add_argument("--top", type=int, default=10, help="fact-checks per query (10)")
    parser.add_argument("--out", help="write the TREC run here (default: stdout)")
    parser.add_argument("--index", help="keep the built index in this directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        match_run(args.factchecks, args.queries, args.top, args.out, args.index)
    except (MatchInputError, IndexError_, ValueError) as exc:
        print(f"sitroom match: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
