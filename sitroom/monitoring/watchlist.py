"""Election relevance: an Aho-Corasick automaton over the deployment's watchlist terms.

Terms and texts are folded the same way (case, accents, look-alike letters), so "CENI",
"céni" and "#Céni" meet the same key; a hit must start on a word boundary and end on one, or
continue with a plural ending ("s", "es") when the term's last word has at least four
letters ("polling station" finds "polling stations"). A term ending in ``*`` matches any
continuation of its last word ("électora*" finds "électoral", "électorale", "électorat").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import ahocorasick
from django.db.models import Count, Max

from sitroom.monitoring.models import WatchTerm
from sitroom.nlp.text import fold


@dataclass(frozen=True)
class WatchHit:
    term: str
    kind: str
    entity: str


def _key(term: str) -> str:
    return " ".join(fold(term).lstrip("#").rstrip("*").split())


PLURAL_ENDINGS = ("s", "es")


def _word_end(folded: str, end: int) -> int:
    """Index just past the word that continues at ``end`` (``end`` if none does)."""
    i = end
    while i < len(folded) and folded[i].isalnum():
        i += 1
    return i


class WatchlistMatcher:
    def __init__(self, terms: list[tuple[str, str, str, str]]) -> None:
        """terms: (term, kind, entity, language)."""
        self.version = ""
        self._auto = ahocorasick.Automaton()
        self._size = 0
        grouped: dict[str, list[tuple[WatchHit, str, bool]]] = {}
        for term, kind, entity, language in terms:
            key = _key(term)
            if len(key) < 2:
                continue
            wildcard = term.strip().endswith("*")
            grouped.setdefault(key, []).append(
                (WatchHit(term, kind, entity or term), language, wildcard)
            )
        for key, hits in grouped.items():
            self._auto.add_word(key, (len(key), hits))
        self._size = len(grouped)
        if self._size:
            self._auto.make_automaton()

    def __len__(self) -> int:
        return self._size

    def match(self, text: str, language: str = "") -> list[WatchHit]:
        if not self._size or not text:
            return []
        folded = fold(text)
        n = len(folded)
        found: dict[str, WatchHit] = {}
        for end, (klen, hits) in self._auto.iter(folded):
            start = end - klen + 1
            if start > 0 and folded[start - 1].isalnum():
                continue
            rest = folded[end + 1 : _word_end(folded, end + 1)] if end + 1 < n else ""
            last_word = folded[start : end + 1].rsplit(" ", 1)[-1]
            plural = rest in PLURAL_ENDINGS and len(last_word) >= 4 and last_word.isalpha()
            for hit, term_language, wildcard in hits:
                if rest and not (wildcard or plural):
                    continue
                if term_language and language and term_language != language:
                    continue
                found.setdefault(f"{hit.kind}:{hit.term}", hit)
        return list(found.values())


_lock = threading.Lock()
_cached: WatchlistMatcher | None = None


def watchlist_version() -> str:
    agg = WatchTerm.objects.filter(active=True).aggregate(n=Count("id"), last=Max("updated_at"))
    return f"{agg['n']}:{agg['last'].isoformat() if agg['last'] else '-'}"


def current_matcher() -> WatchlistMatcher:
    """The matcher for the active watchlist, rebuilt when a term changes."""
    global _cached
    version = watchlist_version()
    with _lock:
        if _cached is None or _cached.version != version:
            rows = WatchTerm.objects.filter(active=True).values_list(
                "term", "kind", "entity", "language"
            )
            matcher = WatchlistMatcher(list(rows))
            matcher.version = version
            _cached = matcher
        return _cached
