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

from sitroom.lib.values import json_text
from sitroom.monitoring.items import ItemError, PostIn, parse_when, scrub_json
from sitroom.nlp.text import scrub

FIELDS = ("text", "id", "date", "author", "url", "language", "region")
MAX_ROWS = 50_000


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]
    kind: str  # "csv" | "jsonl"


def read_table(data: bytes) -> Table:
    """Parse CSV (any common delimiter, UTF-8 with or without BOM), JSON lines or a JSON
    array of objects. Characters no database takes (NUL, lone surrogates) are scrubbed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ItemError(_("The file is not UTF-8 text.")) from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        return _json_array(stripped)
    if stripped.startswith("{"):
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise ItemError(_("Line %(n)d is not valid JSON.") % {"n": n}) from None
            if not isinstance(row, dict):
                raise ItemError(_("Line %(n)d is not a JSON object.") % {"n": n})
            rows.append(scrub_json(row))
            if len(rows) > MAX_ROWS:
                raise ItemError(_("More than %(n)d rows.") % {"n": MAX_ROWS})
        return Table(_columns(rows), rows, "jsonl")
    text = scrub(text)
    reader = csv.DictReader(io.StringIO(text), dialect=_dialect(text))
    rows = []
    try:
        if not reader.fieldnames:
            raise ItemError(_("No header row found."))
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise ItemError(_("More than %(n)d rows.") % {"n": MAX_ROWS})
    except csv.Error as exc:  # e.g. a field beyond csv's limit of 131,072 characters
        raise ItemError(
            _("Line %(n)d cannot be read as CSV: %(error)s") % {"n": reader.line_num, "error": exc}
        ) from None
    return Table([c for c in reader.fieldnames if c], rows, "csv")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({k for r in rows for k in r})


def _json_array(text: str) -> Table:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ItemError(_("The file is not valid JSON (line %(n)d).") % {"n": exc.lineno}) from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ItemError(_("A JSON file must be an array of objects, or one object per line."))
    if len(rows) > MAX_ROWS:
        raise ItemError(_("More than %(n)d rows.") % {"n": MAX_ROWS})
    rows = [scrub_json(r) for r in rows]
    return Table(_columns(rows), rows, "jsonl")


DELIMITERS = ",;\t|"


def _dialect(text: str) -> Any:
    """The sniffed dialect; when the sniffer cannot tell, the delimiter the header row uses
    most, and for a header with none of them one column (a text with commas in it must not
    be cut at the first one)."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS)
    except csv.Error:
        pass
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if not counts[delimiter]:
        delimiter = "\x1f"  # the unit separator: never in a text, so one column

    class Guessed(csv.excel):
        pass

    Guessed.delimiter = delimiter
    return Guessed


def _get(row: dict[str, Any], column: str) -> Any:
    if not column:
        return None
    if column in row:
        return row[column]
    value: Any = row  # dotted paths reach into JSON objects ("user.screen_name")
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _string(row: dict[str, Any], column: str, name: str, *, numbers: bool = False) -> str:
    """The column's value as a stripped string; numbers only where ``numbers`` (ids, authors).
    A JSON list, object or boolean is refused, not stored as its printed form."""
    text = json_text(_get(row, column), numbers=numbers)
    if text is None:
        raise ItemError(
            _("%(name)s (column %(column)s) is not text") % {"name": name, "column": column}
        )
    return text.strip()


def map_rows(table: Table, mapping: dict[str, str]) -> Iterator[tuple[int, PostIn | None, str]]:
    """(row number, item or None, error) for each row."""
    if not mapping.get("text"):
        raise ItemError(_("Choose the column that holds the text."))
    for n, row in enumerate(table.rows, start=1):
        try:
            if row.get(None):  # type: ignore[call-overload]
                raise ItemError(
                    _("%(extra)d more fields than the header has columns")
                    % {"extra": len(row[None])}  # type: ignore[index]
                )
            text = _string(row, mapping["text"], "text")
            if not text:
                raise ItemError(_("no text"))
            date = _get(row, mapping.get("date", ""))
            author = _string(row, mapping.get("author", ""), "author", numbers=True)[:200]
            external_id = _string(row, mapping.get("id", ""), "id", numbers=True)
            if not external_id:
                external_id = hashlib.blake2b(
                    f"{text}\x00{date}\x00{author}".encode(), digest_size=12
                ).hexdigest()
            url = _string(row, mapping.get("url", ""), "url")
            yield (
                n,
                PostIn(
                    external_id=external_id[:300],
                    text=text[:20_000],
                    url=url if url.startswith(("http://", "https://")) else "",
                    author=author,
                    published_at=parse_when(date, mapping.get("date_format", "")),
                    language=_string(row, mapping.get("language", ""), "language")[:12],
                    region=_string(row, mapping.get("region", ""), "region")[:100],
                ),
                "",
            )
        except ItemError as exc:
            yield n, None, str(exc)
