"""Election relevance: an Aho-Corasick automaton over the deployment's watchlist terms.

Terms and texts are folded the same way (case, accents, look-alike letters), so "CENI",
"céni" and "#Céni" meet the same key; a hit must sit on word boundaries.
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
    return " ".join(fold(term).lstrip("#").split())


class WatchlistMatcher:
    def __init__(self, terms: list[tuple[str, str, str, str]]) -> None:
        """terms: (term, kind, entity, language)."""
        self.version = ""
        self._auto = ahocorasick.Automaton()
        self._size = 0
        grouped: dict[str, list[tuple[WatchHit, str]]] = {}
        for term, kind, entity, language in terms:
            key = _key(term)
            if len(key) < 2:
                continue
            grouped.setdefault(key, []).append((WatchHit(term, kind, entity or term), language))
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
            if end + 1 < n and folded[end + 1].isalnum():
                continue
            for hit, term_language in hits:
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
