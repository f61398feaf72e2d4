"""Election relevance: folded, word-bounded watchlist matching with plurals and wildcards."""

from __future__ import annotations

from sitroom.monitoring.watchlist import WatchlistMatcher


def _terms(*specs: tuple[str, str]) -> WatchlistMatcher:
    return WatchlistMatcher([(term, "keyword", "", language) for term, language in specs])


def _found(matcher: WatchlistMatcher, text: str, language: str = "") -> set[str]:
    return {h.term for h in matcher.match(text, language)}


def test_case_accents_hashtags_and_word_boundaries():
    m = _terms(("CENI", ""), ("#Elections2027", ""), ("kura", "sw"))
    assert _found(m, "La #céni a parlé") == {"CENI"}
    assert _found(m, "ELECTIONS2027 now") == {"#Elections2027"}
    assert _found(m, "SCENIC route") == set()
    assert _found(m, "Piga kura leo", "sw") == {"kura"}
    assert _found(m, "Piga kura leo", "fr") == set()  # a term of another language
    assert _found(m, "kurasa ya kwanza", "sw") == set()  # "page": short terms take no ending


def test_plural_endings_on_longer_words_only():
    m = _terms(("polling station", "en"), ("vote", ""), ("PDP", ""))
    assert _found(m, "Polling stations moved!") == {"polling station"}
    assert _found(m, "two votes counted") == {"vote"}
    assert _found(m, "the voters queue") == set()  # not a plural ending
    assert _found(m, "PDPs") == set()  # three letters: exact only


def test_a_trailing_star_matches_any_continuation():
    m = _terms(("électora*", "fr"), ("vot*", ""))
    assert _found(m, "La commission électorale", "fr") == {"électora*"}
    assert _found(m, "les électeurs", "fr") == set()
    assert _found(m, "the voters queue") == {"vot*"}
    assert _found(m, "a pivot table") == set()  # must start on a word boundary
