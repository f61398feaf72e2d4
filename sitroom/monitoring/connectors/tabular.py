"""Exports of platform research tools (CSV or JSON lines) with a column mapping.

A mapping names, for each post field, the column that holds it::

    {"text": "message", "id": "post_id", "date": "created", "date_format": "%d/%m/%Y %H:%M",
     "author": "account_handle", "url": "link", "language": "lang", "region": ""}

Only ``text`` is required; without ``id`` a row's id is a hash of its text, date and author.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sitroom.monitoring.items import ItemError, PostIn, parse_when

FIELDS = ("text", "id", "date", "author", "url", "language", "region")
MAX_ROWS = 50_000


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]
    kind: str  # "csv" | "jsonl"


def read_table(data: bytes) -> Table:
    """Parse CSV (any common delimiter, UTF-8 with or without BOM) or JSON lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ItemError(_("The file is not UTF-8 text.")) from None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        rows = []
        for n, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise ItemError(_("Line %(n)d is not valid JSON.") % {"n": n}) from None
            if not isinstance(row, dict):
                raise ItemError(_("Line %(n)d is not a JSON object.") % {"n": n})
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise ItemError(_("More than %(n)d rows.") % {"n": MAX_ROWS})
        columns = sorted({k for r in rows for k in r})
        return Table(columns, rows, "jsonl")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or len(reader.fieldnames) < 1:
        raise ItemError(_("No header row found."))
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ItemError(_("More than %(n)d rows.") % {"n": MAX_ROWS})
    return Table([c for c in reader.fieldnames if c], rows, "csv")


def _get(row: dict[str, Any], column: str) -> Any:
    if not column:
        return None
    if column in row:
        return row[column]
    value: Any = row  # dotted paths reach into JSON objects ("user.screen_name")
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def map_rows(table: Table, mapping: dict[str, str]) -> Iterator[tuple[int, PostIn | None, str]]:
    """(row number, item or None, error) for each row."""
    if not mapping.get("text"):
        raise ItemError(_("Choose the column that holds the text."))
    for n, row in enumerate(table.rows, start=1):
        try:
            text = str(_get(row, mapping["text"]) or "").strip()
            if not text:
                raise ItemError(_("no text"))
            date = _get(row, mapping.get("date", ""))
            author = str(_get(row, mapping.get("author", "")) or "")[:200]
            external_id = str(_get(row, mapping.get("id", "")) or "").strip()
            if not external_id:
                external_id = hashlib.blake2b(
                    f"{text}\x00{date}\x00{author}".encode(), digest_size=12
                ).hexdigest()
            url = str(_get(row, mapping.get("url", "")) or "").strip()
            yield (
                n,
                PostIn(
                    external_id=external_id[:300],
                    text=text[:20_000],
                    url=url if url.startswith(("http://", "https://")) else "",
                    author=author,
                    published_at=parse_when(date, mapping.get("date_format", "")),
                    language=str(_get(row, mapping.get("language", "")) or "")[:12],
                    region=str(_get(row, mapping.get("region", "")) or "")[:100],
                ),
                "",
            )
        except ItemError as exc:
            yield n, None, str(exc)
