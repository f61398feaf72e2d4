"""Hate-speech lexicon and a fast, obfuscation-robust matcher.

Terms and texts go through the same canonical pipeline (:mod:`sitroom.nlp.text`) and are
matched with one Aho-Corasick automaton over two views of each text: a *spaced* view
(punctuation and camelCase become word breaks) and a *joined* view (separators inside
words removed, spelled-out letters glued). Hits are reported at original offsets, which
are only worked out for the (few) texts that have a hit.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from sitroom.nlp.text import (
    Normalised,
    canonical_joined,
    canonical_term,
    canonical_views,
    normalise_views,
)

SEVERITY_NAMES = {"low": 1, "medium": 2, "high": 3}
OWN_COLUMNS = [
    "term",
    "variants",
    "language",
    "category",
    "severity",
    "target_group",
    "notes",
]
# Column names of Hatebase's vocabulary export (API v4 "vocabulary" results).
HATEBASE_COLUMNS = [
    "vocabulary_id",
    "term",
    "hateful_meaning",
    "nonhateful_meaning",
    "is_unambiguous",
    "is_unambiguous_in",
    "average_offensiveness",
    "language",
    "plural_of",
    "variant_of",
    "transliteration_of",
    "is_about_nationality",
    "is_about_ethnicity",
    "is_about_religion",
    "is_about_gender",
    "is_about_sexual_orientation",
    "is_about_disability",
    "is_about_class",
]
_HATEBASE_CATEGORIES = [
    ("is_about_ethnicity", "ethnic"),
    ("is_about_nationality", "nationality"),
    ("is_about_religion", "religious"),
    ("is_about_gender", "gender"),
    ("is_about_sexual_orientation", "sexual_orientation"),
    ("is_about_disability", "disability"),
    ("is_about_class", "class"),
]
# HurtLex categories (Bassignana, Basile, Patti 2018) -> our coarse categories.
HURTLEX_CATEGORIES = {
    "ps": "ethnic",
    "rci": "ethnic",
    "pa": "profession",
    "ddf": "disability",
    "ddp": "disability",
    "dmc": "moral",
    "is": "social_class",
    "or": "derogatory",
    "an": "derogatory",
    "asm": "sexual",
    "asf": "sexual",
    "pr": "sexual",
    "om": "sexual_orientation",
    "qas": "derogatory",
    "cds": "derogatory",
    "re": "crime",
    "svp": "moral",
}
_HURTLEX_TARGETS = {
    "ps": "ethnic minorities",
    "rci": "ethnic minorities",
    "ddf": "disabled people",
    "ddp": "disabled people",
    "om": "LGBTQ+ people",
    "asf": "women",
    "pr": "women",
    "is": "poor people",
}


class LexiconFormatError(ValueError):
    pass


def parse_severity(value: object) -> int:
    """1-3, or low/medium/high; Hatebase-style 0-100 offensiveness is bucketed."""
    if isinstance(value, int):
        v = value
    else:
        s = str(value).strip().lower()
        if not s:
            return 2
        if s in SEVERITY_NAMES:
            return SEVERITY_NAMES[s]
        try:
            v = int(float(s))
        except ValueError as exc:
            raise LexiconFormatError(f"bad severity {value!r}") from exc
    if v > 3:  # a 0-100 offensiveness score
        return 1 if v < 40 else (2 if v < 75 else 3)
    return min(3, max(1, v))


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    term: str
    variants: tuple[str, ...] = ()
    language: str = ""
    category: str = ""
    severity: int = 2
    target_group: str | None = None
    notes: str = ""

    def forms(self) -> list[str]:
        return [self.term, *self.variants]


@dataclass(frozen=True, slots=True)
class LexiconHit:
    term: str  # the entry's form that matched
    entry: LexiconEntry
    start: int  # offsets into the ORIGINAL text
    end: int
    surface: str  # original text[start:end]


@dataclass(slots=True)
class _Key:
    entry_ids: list[int] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)


def _is_boundary_char(c: str) -> bool:
    return not c.isalnum()


def _needs_boundaries(key: str) -> bool:
    # Scripts written without spaces (CJK, Thai...) cannot use word boundaries.
    return not any(
        0x0E00 <= ord(c) <= 0x0E7F or 0x3040 <= ord(c) <= 0x9FFF or 0xAC00 <= ord(c) <= 0xD7AF
        for c in key
    )


class LexiconMatcher:
    """Aho-Corasick matcher over canonical forms. Build once, share between threads."""

    def __init__(self, entries: Sequence[LexiconEntry], automaton: ahocorasick.Automaton) -> None:
        self.entries = list(entries)
        self._auto = automaton

    @classmethod
    def build(cls, entries: Iterable[LexiconEntry]) -> LexiconMatcher:
        ents = list(entries)
        keys: dict[str, _Key] = {}
        for i, e in enumerate(ents):
            for form in e.forms():
                key = canonical_term(form)
                variants = {key, canonical_joined(form)} if " " in key else {key}
                for k in variants:
                    if len(k) < 2:
                        continue
                    slot = keys.setdefault(k, _Key())
                    if i not in slot.entry_ids:
                        slot.entry_ids.append(i)
                        slot.forms.append(form)
        auto = ahocorasick.Automaton()
        for k, slot in keys.items():
            auto.add_word(k, (len(k), _needs_boundaries(k), slot.entry_ids, slot.forms))
        if keys:
            auto.make_automaton()
        return cls(ents, auto)

    def __len__(self) -> int:
        return len(self.entries)

    def _keys_in(self, text: str) -> Iterator[tuple[int, int, list[int], list[str]]]:
        """(start, end, entry ids, forms) of every key found at word boundaries."""
        n = len(text)
        for end_idx, (klen, bounded, ids, forms) in self._auto.iter(text):
            s, e = end_idx - klen + 1, end_idx + 1
            if bounded:
                if s > 0 and not _is_boundary_char(text[s - 1]):
                    continue
                if e < n and not _is_boundary_char(text[e]):
                    # Allow a plural "s" ("idiots") but nothing longer.
                    if not (text[e] == "s" and (e + 1 == n or _is_boundary_char(text[e + 1]))):
                        continue
                    if klen < 3:
                        continue
            yield s, e, ids, forms

    def _scan(self, view: Normalised) -> Iterator[tuple[int, int, int, str]]:
        for s, e, ids, forms in self._keys_in(view.text):
            a, b = view.span(s, e)
            for i, f in zip(ids, forms, strict=False):
                yield a, b, i, f

    def match(self, text: str) -> list[LexiconHit]:
        if not self.entries or not text:
            return []
        # Most texts have no hit: look for keys in the views' texts alone, and only build
        # the offset maps (most of the cost) for a text that has one.
        with_keys = [
            k for k, view in enumerate(canonical_views(text)) if next(self._keys_in(view), None)
        ]
        if not with_keys:
            return []
        views = normalise_views(text)
        found: dict[tuple[int, int, int], str] = {}
        for k in with_keys:
            for a, b, i, form in self._scan(views[k]):
                found.setdefault((a, b, i), form)
        # Per entry, keep the longest non-overlapping spans.
        hits: list[LexiconHit] = []
        taken: dict[int, list[tuple[int, int]]] = {}
        for (a, b, i), form in sorted(found.items(), key=lambda kv: (kv[0][0] - kv[0][1], kv[0])):
            spans = taken.setdefault(i, [])
            if any(a < y and x < b for x, y in spans):
                continue
            spans.append((a, b))
            hits.append(LexiconHit(form, self.entries[i], a, b, text[a:b]))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def match_many(self, texts: Iterable[str]) -> list[list[LexiconHit]]:
        return [self.match(t) for t in texts]


# ---------------------------------------------------------------- import / export


def _truthy(v: str | None) -> bool:
    return str(v or "").strip().lower() in {"1", "true", "yes", "y", "t"}


def _split_variants(v: str | None) -> tuple[str, ...]:
    if not v:
        return ()
    return tuple(x.strip() for x in v.split("|") if x.strip())


def _open_text(src: str | os.PathLike[str] | io.TextIOBase) -> io.TextIOBase:
    if isinstance(src, (str, os.PathLike)):
        return open(Path(src), encoding="utf-8", newline="")
    return src


def read_csv(src: str | os.PathLike[str] | io.TextIOBase) -> list[LexiconEntry]:
    """Read our own CSV (``OWN_COLUMNS``) or a Hatebase vocabulary export (detected by
    its ``hateful_meaning`` / ``average_offensiveness`` columns)."""
    fh = _open_text(src)
    try:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if "term" not in cols:
            raise LexiconFormatError("lexicon CSV needs a 'term' column")
        hatebase = bool(cols & {"hateful_meaning", "average_offensiveness", "offensiveness"})
        out = []
        for n, row in enumerate(reader, start=2):
            term = (row.get("term") or "").strip()
            if not term:
                continue
            try:
                out.append(_from_hatebase(row) if hatebase else _from_own(row))
            except LexiconFormatError as exc:
                raise LexiconFormatError(f"line {n}: {exc}") from exc
        return out
    finally:
        if isinstance(src, (str, os.PathLike)):
            fh.close()


def _from_own(row: dict[str, str]) -> LexiconEntry:
    return LexiconEntry(
        term=row["term"].strip(),
        variants=_split_variants(row.get("variants")),
        language=(row.get("language") or "").strip(),
        category=(row.get("category") or "").strip(),
        severity=parse_severity(row.get("severity") or 2),
        target_group=(row.get("target_group") or "").strip() or None,
        notes=(row.get("notes") or "").strip(),
    )


def _from_hatebase(row: dict[str, str]) -> LexiconEntry:
    cats = [name for col, name in _HATEBASE_CATEGORIES if _truthy(row.get(col))]
    variants = [
        v.strip()
        for v in (row.get("plural_of"), row.get("variant_of"), row.get("transliteration_of"))
        if v and v.strip()
    ]
    off = row.get("average_offensiveness") or row.get("offensiveness") or ""
    notes = (row.get("hateful_meaning") or "").strip()
    if not _truthy(row.get("is_unambiguous")):
        notes = (notes + " [ambiguous]").strip()
    return LexiconEntry(
        term=row["term"].strip(),
        variants=tuple(variants),
        language=(row.get("language") or "").strip(),
        category=cats[0] if cats else "",
        severity=parse_severity(off) if off.strip() else 2,
        target_group=", ".join(cats) or None,
        notes=notes,
    )


def read_hurtlex(
    src: str | os.PathLike[str] | io.TextIOBase,
    language: str = "",
    levels: Sequence[str] = ("conservative",),
    categories: Sequence[str] | None = None,
) -> list[LexiconEntry]:
    """Read a HurtLex TSV (``id, pos, category, stereotype, lemma, level``; v1.0 files lack
    ``id``). By default only the *conservative* level, whose senses are offensive ones."""
    fh = _open_text(src)
    try:
        reader = csv.DictReader(fh, delimiter="\t")
        if "lemma" not in set(reader.fieldnames or []):
            raise LexiconFormatError("HurtLex TSV needs a 'lemma' column")
        out = []
        for row in reader:
            cat = (row.get("category") or "").strip().lower().rstrip(":")
            level = (row.get("level") or "").strip().lower()
            if levels and level not in levels:
                continue
            if categories is not None and cat not in categories:
                continue
            stereo = _truthy(row.get("stereotype"))
            out.append(
                LexiconEntry(
                    term=(row.get("lemma") or "").strip(),
                    language=language,
                    category=HURTLEX_CATEGORIES.get(cat, cat),
                    severity=2 if level == "conservative" else 1,
                    target_group=_HURTLEX_TARGETS.get(cat),
                    notes=f"hurtlex:{cat}{' stereotype' if stereo else ''}"
                    + (f" id={row['id']}" if row.get("id") else ""),
                )
            )
        return [e for e in out if e.term]
    finally:
        if isinstance(src, (str, os.PathLike)):
            fh.close()


def write_csv(
    entries: Iterable[LexiconEntry],
    dst: str | os.PathLike[str] | io.TextIOBase,
    style: str = "own",
) -> None:
    """Write entries in our own format (``style="own"``) or Hatebase's columns."""
    fh = (
        open(Path(dst), "w", encoding="utf-8", newline="")
        if isinstance(dst, (str, os.PathLike))
        else dst
    )
    try:
        if style == "own":
            w = csv.DictWriter(fh, fieldnames=OWN_COLUMNS)
            w.writeheader()
            for e in entries:
                w.writerow(
                    {
                        "term": e.term,
                        "variants": "|".join(e.variants),
                        "language": e.language,
                        "category": e.category,
                        "severity": e.severity,
                        "target_group": e.target_group or "",
                        "notes": e.notes,
                    }
                )
        elif style == "hatebase":
            w = csv.DictWriter(fh, fieldnames=HATEBASE_COLUMNS)
            w.writeheader()
            cat_col = {name: col for col, name in _HATEBASE_CATEGORIES}
            for n, e in enumerate(entries, start=1):
                row = {c: "" for c in HATEBASE_COLUMNS}
                row.update(
                    vocabulary_id=str(n),
                    term=e.term,
                    hateful_meaning=e.notes,
                    is_unambiguous="0" if "[ambiguous]" in e.notes else "1",
                    average_offensiveness=str({1: 30, 2: 60, 3: 90}[e.severity]),
                    language=e.language,
                    variant_of="|".join(e.variants),
                )
                for col in _HATEBASE_CATEGORIES:
                    row[col[0]] = "0"
                if e.category in cat_col:
                    row[cat_col[e.category]] = "1"
                w.writerow(row)
        else:
            raise ValueError(f"unknown style {style!r}")
    finally:
        if isinstance(dst, (str, os.PathLike)):
            fh.close()
