"""Text normalisation that keeps a map back to the original characters.

Lexicon matching runs on a *canonical* form of the text (case-folded, NFKC, diacritics
removed, look-alike letters and leetspeak mapped to Latin, repeated letters squashed) so
"N1ggαs", "Ïdiooot" or "i.d.i.o.t" meet the same key as the plain word. Every character of
a canonical string remembers the span of original characters it came from, so a match can
be reported (and highlighted) at its real position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters from other scripts that render like Latin ones (after case folding).
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "γ": "y",
    # Latin oddities NFKC leaves alone
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ß": "ss", "æ": "ae", "œ": "oe",
    "ŀ": "l", "ſ": "s",
    # Arabic orthographic variants that writers mix freely
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
}  # fmt: skip

# Leetspeak, applied only inside tokens that also contain letters (so "2024" stays a number).
LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "£": "l", "+": "t",
}  # fmt: skip
# Symbols that only count as letters when wedged between letters ("sh!t", "b|tch").
_LEET_INNER_ONLY = frozenset("!|+€£")
# "l" and "1" and "i" are interchangeable in obfuscation, so the canonical form merges them.
_SKELETON = {"l": "i"}
_DROP = frozenset({"\u0640", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"})


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """Case-fold, NFKC, strip combining marks and map look-alikes for one character."""
    if ch in _DROP:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        for d in unicodedata.normalize("NFD", c):
            if unicodedata.category(d) == "Mn":
                continue
            out.append(CONFUSABLES.get(d, d))
    return unicodedata.normalize("NFC", "".join(out))


def fold(text: str) -> str:
    """Plain folding without offsets (case, NFKC, diacritics, look-alikes)."""
    return "".join(fold_char(c) for c in text)


@dataclass(slots=True)
class Normalised:
    """A canonical string plus, per character, the [start, end) span in the original."""

    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) for canonical [start, end)."""
        return self.starts[start], self.ends[end - 1]


def _is_word(c: str) -> bool:
    return c.isalnum()


_CAMEL = re.compile(r"[^\W\d_][A-Z]|[A-Z][A-Z][a-z]")


def base_chars(text: str) -> list[tuple[str, int]]:
    """The folded, leet-resolved characters both views are built from (compute once)."""
    return _base(text)


def _camel_breaks(text: str) -> set[int]:
    """Indices where a camelCase / PascalCase word boundary starts ("DeportThe" -> 6)."""
    breaks = set()
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        if b.isupper() and (
            a.islower() or (a.isupper() and i + 1 < len(text) and text[i + 1].islower())
        ):
            breaks.add(i)
    return breaks


def _leet_token(tok: str) -> str:
    """Resolve leetspeak in one whitespace-free token of folded text (1:1 per character)."""
    if not any(c.isalpha() for c in tok) or not any(c in LEET for c in tok):
        return tok
    out = list(tok)
    n = len(tok)
    for k, c in enumerate(tok):
        if c not in LEET:
            continue
        prev_w = k > 0 and tok[k - 1].isalnum()
        next_w = k + 1 < n and (tok[k + 1].isalnum() or tok[k + 1] in LEET)
        if c in _LEET_INNER_ONLY and not (prev_w and next_w):
            continue
        if c == "@" and k == 0:
            continue  # a mention, not an "a"
        if c in "$@" and not (prev_w or next_w):
            continue
        out[k] = LEET[c]
    return "".join(out)


def _base(text: str) -> list[tuple[str, int]]:
    """Folded characters with their original index, leetspeak resolved in word tokens."""
    chars: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            chars.append((c, i))
    n = len(chars)
    i = 0
    while i < n:
        if chars[i][0].isspace():
            i += 1
            continue
        j = i
        while j < n and not chars[j][0].isspace():
            j += 1
        tok = "".join(c for c, _ in chars[i:j])
        mapped = _leet_token(tok)
        if mapped != tok:
            for k, c in enumerate(mapped):
                chars[i + k] = (c, chars[i + k][1])
        i = j
    return [(_SKELETON.get(c, c), idx) for c, idx in chars]


class _FoldTable(dict[int, str]):
    def __missing__(self, key: int) -> str:
        v = fold_char(chr(key))
        if len(self) < 200_000:
            self[key] = v
        return v


_FOLD_TABLE = _FoldTable()
_LEETISH = re.compile(r"\S*[0-9@$!|€£+]\S*")
_NON_WORD = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1+")


def squeezed(text: str) -> str:
    """Fast canonical string with every separator removed and runs squashed.

    Any match of the slow views (their keys squeezed the same way) is a substring of this,
    so it is a cheap pre-filter: most texts contain no key and skip the offset-tracking path.
    """
    f = text.translate(_FOLD_TABLE)
    if _LEETISH.search(f):
        f = _LEETISH.sub(lambda m: _leet_token(m.group(0)), f)
    f = _NON_WORD.sub("", f).replace("l", "i")
    return _RUNS.sub(r"\1", f)


def squeeze_key(key: str) -> str:
    return _RUNS.sub(r"\1", _NON_WORD.sub("", key))


def _squash(out: list[str], starts: list[int], ends: list[int]) -> Normalised:
    """Collapse runs of one repeated character ("idiooot" -> "idiot", "  " -> " ")."""
    t: list[str] = []
    s: list[int] = []
    e: list[int] = []
    for c, a, b in zip(out, starts, ends, strict=False):
        if t and t[-1] == c:
            e[-1] = b
            continue
        t.append(c)
        s.append(a)
        e.append(b)
    # Trim edges so boundary checks see no phantom spaces.
    while t and t[-1] == " ":
        t.pop(), s.pop(), e.pop()
    k = 0
    while k < len(t) and t[k] == " ":
        k += 1
    return Normalised("".join(t[k:]), s[k:], e[k:])


def normalise_spaced(text: str, base: list[tuple[str, int]] | None = None) -> Normalised:
    """Canonical form with punctuation as word breaks and camelCase split into words.

    "#DeportTheXs!" -> "deport the xs".
    """
    breaks = _camel_breaks(text) if _CAMEL.search(text) else set()
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev_idx = -1
    for c, idx in _base(text) if base is None else base:
        if idx in breaks and idx != prev_idx and out and out[-1] != " ":
            out.append(" ")
            starts.append(idx)
            ends.append(idx)
        prev_idx = idx
        if _is_word(c):
            out.append(c)
        else:
            out.append(" ")
        starts.append(idx)
        ends.append(idx + 1)
    return _squash(out, starts, ends)


_JOINERS = frozenset(".-_*~'`’,:;/\\^\"")


def normalise_joined(text: str, base: list[tuple[str, int]] | None = None) -> Normalised:
    """Canonical form that removes separators *inside* words and glues spelled-out letters.

    "i.d.i.o.t", "i d i o t", "id-iot" and "#deporttheXs" all lose their separators; this
    view finds obfuscated words and run-together hashtags.
    """
    if base is None:
        base = _base(text)
    # Drop punctuation between word characters.
    kept: list[tuple[str, int]] = []
    n = len(base)
    for k, (c, idx) in enumerate(base):
        if not _is_word(c) and not c.isspace():
            prev_w = bool(kept) and _is_word(kept[-1][0])
            nxt = k + 1
            while nxt < n and base[nxt][0] in _JOINERS:
                nxt += 1
            next_w = nxt < n and _is_word(base[nxt][0])
            if c in _JOINERS and prev_w and next_w:
                continue
            kept.append((" ", idx))
            continue
        kept.append((c if _is_word(c) else " ", idx))
    # Glue runs of >= 3 single letters separated by single spaces ("i d i o t").
    tokens: list[list[tuple[str, int]]] = []
    cur: list[tuple[str, int]] = []
    for c, idx in kept:
        if c == " ":
            if cur:
                tokens.append(cur)
                cur = []
        else:
            cur.append((c, idx))
    if cur:
        tokens.append(cur)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    t = 0
    while t < len(tokens):
        u = t
        while u < len(tokens) and len(tokens[u]) == 1 and tokens[u][0][0].isalpha():
            u += 1
        group = tokens[t:u] if u - t >= 3 else tokens[t : t + 1]
        if out:
            out.append(" ")
            starts.append(group[0][0][1])
            ends.append(group[0][0][1])
        for tok in group:
            for c, idx in tok:
                out.append(c)
                starts.append(idx)
                ends.append(idx + 1)
        t += len(group)
    return _squash(out, starts, ends)


def canonical_term(term: str) -> str:
    """The key a lexicon term is stored under (same pipeline as :func:`normalise_spaced`)."""
    return normalise_spaced(term).text


def canonical_joined(term: str) -> str:
    """A multi-word term with its spaces removed, for run-together hashtags."""
    return re.sub(r"(.)\1+", r"\1", canonical_term(term).replace(" ", ""))


_HASHTAG = re.compile(r"#(\w+)")


def split_hashtag(tag: str) -> list[str]:
    """Split "#DeportTheXs" / "Stop_the_steal" into words (camelCase, underscores, digits)."""
    tag = tag.lstrip("#")
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+", tag)
    return [p for p in parts if p]


def hashtag_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _HASHTAG.finditer(text)]
