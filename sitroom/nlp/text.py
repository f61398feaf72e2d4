"""Text normalisation that keeps a map back to the original characters.

Lexicon matching runs on a *canonical* form of the text (case-folded, NFKC, diacritics
removed, look-alike letters and leetspeak mapped to Latin, repeated letters squashed) so
"N1ggαs", "Ïdiooot" or "i.d.i.o.t" meet the same key as the plain word. Every character of
a canonical string remembers the span of original characters it came from, so a match can
be reported (and highlighted) at its real position. :func:`canonical_views` gives the same
strings without that map, several times faster, for finding out whether there is a match.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")


def scrub(text: str) -> str:
    """``text`` without what cannot be stored or encoded as UTF-8: NUL characters are
    dropped (PostgreSQL refuses them) and lone surrogates (JSON's "\\ud800", which no UTF-8
    encoder takes) become U+FFFD. Everything else is kept as it was."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNENCODABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


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


Offsets = npt.NDArray[np.intp]
# Offsets where they are tracked, None where only the text is wanted.
_MaybeOffsets = TypeVar("_MaybeOffsets", Offsets, None)
# Character codes of a canonical string: uint8 when it is ASCII (most folded Latin text),
# else uint32.
_Codes = npt.NDArray[Any]


@dataclass(slots=True)
class Normalised:
    """A canonical string plus, per character, the [start, end) span in the original.

    Spans are exact for word characters (what a lexicon key starts and ends with); a space
    maps to the separator it stands for.
    """

    text: str
    starts: Offsets
    ends: Offsets

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) for canonical [start, end)."""
        return int(self.starts[start]), int(self.ends[end - 1])


# Both views are cut from one *canonical character string*: str.translate folds every
# character and reduces every non-word character to a class code below, one regex resolves
# leetspeak in the few tokens that need it, regexes drop and glue, and one array operation
# squashes. Each regex starts with a character class so the engine can skip ahead fast.
# Offsets back into the original are only computed on request (a text with a hit): they
# cost more than the rest, and most texts have no hit.
_JOINER = "\x01"  # may sit inside an obfuscated word ("i.d.i.o.t", "id-iot")
_OTHER = "\x02"  # any other non-word character
_CAMEL_MARK = "\x03"  # a camelCase word break ("Deport|The|Xs"), spaced view only
_SPACE = 32  # every code <= 32 in a canonical string is a separator
_JOINERS = frozenset(".-_*~'`’,:;/\\^\"")


def _char_class(c: str) -> str:
    if c.isalnum():
        return _SKELETON.get(c, c)
    if c.isspace():
        return " "
    if c in LEET:
        return c  # resolved by _resolve_leet
    return _JOINER if c in _JOINERS else _OTHER


class _CanonicalTable(dict[int, str]):
    """str.translate table: original character -> folded, classed characters."""

    def __missing__(self, key: int) -> str:
        v = "".join(_char_class(c) for c in fold_char(chr(key)))
        if len(self) < 200_000:
            self[key] = v
        return v


_CANONICAL = _CanonicalTable({ord(_CAMEL_MARK): _CAMEL_MARK})


# str.translate looks every character up in a dict. Text in Latin-1 (most Western European
# text, once the odd emoji or curly quote is handled) can instead go through
# bytes.translate with a 256-entry table. Latin-1 characters whose canonical form is not one
# Latin-1 character map to NUL, which nothing else produces (NUL itself is _OTHER), and
# send the text back to str.translate.
_LATIN1 = bytes(ord(v) if len(v := _CANONICAL[c]) == 1 and ord(v) < 256 else 0 for c in range(256))
_LATIN1_LENGTHS = bytes(len(_CANONICAL[c]) for c in range(256))
_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]")
# The separator classes are written out as characters of that class for the re-encoding.
_STAND_INS = str.maketrans({_JOINER: ".", _OTHER: "#"})


def _canonical_latin1_error(err: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: a stand-in for a run of non-Latin-1 characters that
    _LATIN1 turns into exactly their canonical characters (else give up)."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    canonical = err.object[err.start : err.end].translate(_CANONICAL)
    stand_in = canonical.translate(_STAND_INS)
    try:
        if stand_in.encode("latin-1").translate(_LATIN1) == canonical.encode("latin-1"):
            return stand_in, err.end
    except UnicodeEncodeError:
        pass
    raise err


codecs.register_error("sitroom.canonical", _canonical_latin1_error)


def _translate_canonical(text: str) -> str:
    """text.translate(_CANONICAL), faster."""
    try:
        folded = text.encode("latin-1", "sitroom.canonical").translate(_LATIN1)
    except UnicodeEncodeError:
        return text.translate(_CANONICAL)
    if b"\0" in folded:
        return text.translate(_CANONICAL)
    return folded.decode("latin-1")


# From a token's first leet character to its end (_resolve_leet_tail looks back to its
# start). A symbol starting a token always stays punctuation ("@name"; "$" aside), so it
# starts no match; the text is scanned behind a space so that this holds at its start too.
_LEET_TAIL = re.compile(r"[0-9@$!|€£+](?<! [@!|€£+])[^ ]*+")
_LEET_SYMBOL = re.compile(r"[@$!|€£+]")
_LEET_SYMBOLS = tuple(c for c in LEET if not c.isalnum())
# A token whose symbols (if any) are all leading: _leet_token turns every digit into a letter.
_LEET_DIGITS = str.maketrans({c: v for c, v in LEET.items() if c.isdigit()})


def _has_letter(tok: str) -> bool:
    if tok.isascii():  # canonical ASCII letters are lower case
        return tok.upper() != tok
    return any(c.isalpha() for c in tok)


def _resolve_leet_tail(m: re.Match[str]) -> str:
    chars, tail, end = m.string, m.start(), m.end()
    start = chars.rfind(" ", 0, tail) + 1
    tok = chars[start:end]
    if not _has_letter(tok):
        return m.group()
    if tok[0] == "$" or _LEET_SYMBOL.search(chars, start + 1, end):
        return _leet_token(tok)[tail - start :].replace("l", "i")  # "£" -> "l" ~ "i"
    return m.group().translate(_LEET_DIGITS)


def _resolve_leet(chars: str) -> str:
    chars = _LEET_TAIL.sub(_resolve_leet_tail, " " + chars)[1:]
    for c in _LEET_SYMBOLS:  # the symbols left are punctuation
        if c in chars:
            chars = chars.replace(c, _OTHER)
    return chars


# Gate: camelCase needs an ASCII capital somewhere (so "ÉCOLE" alone is left alone).
_CAMEL = re.compile(r"[A-Z](?<=[^\W\d_][A-Z])|[A-Z](?=[A-Z][a-z])")
# Candidate break positions: a character that may be upper case after one that may be
# cased (everything excluded is provably neither: checked over all of Unicode), but not a
# capital inside an ASCII acronym ("COVID") unless a character that may be lower case follows.
_CAMEL_CANDIDATE = re.compile(
    r"[^\sa-z0-9!-/:-@\[-`{-~\xdf-\xff](?<=[^\s0-9!-/:-@\[-`{-~].)"
    r"(?:(?<![A-Z]{2})|(?=[a-z\x80-\U0010ffff]))"
)


def _camel_breaks(text: str) -> list[int]:
    """Indices where a camelCase / PascalCase word boundary starts ("DeportThe" -> 6)."""
    breaks = []
    n = len(text)
    for m in _CAMEL_CANDIDATE.finditer(text):
        i = m.start()
        a, b = text[i - 1], text[i]
        if b.isupper() and (a.islower() or (a.isupper() and i + 1 < n and text[i + 1].islower())):
            breaks.append(i)
    # The gate, usually witnessed by a break itself ("aB" with B in A-Z).
    if breaks and not any("A" <= text[i] <= "Z" and text[i - 1].isalpha() for i in breaks):
        return breaks if _CAMEL.search(text) else []
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
        # Across a run of symbols: "sh!!t" is wedged; "idiot!!" and "idiot!!1" are not.
        i = k - 1
        while i >= 0 and tok[i] in LEET and not tok[i].isalnum():
            i -= 1
        j = k + 1
        while j < n and tok[j] in LEET and not tok[j].isalnum():
            j += 1
        prev_w = i >= 0 and tok[i].isalnum()
        next_w = j < n and (tok[j].isalpha() or any(ch.isalpha() for ch in tok[j + 1 :]))
        if c in _LEET_INNER_ONLY and not (prev_w and next_w):
            continue
        if c == "@" and k == 0:
            continue  # a mention, not an "a"
        if c in "$@" and not (prev_w or next_w):
            continue
        out[k] = LEET[c]
    return "".join(out)


def _mark_camel_breaks(text: str) -> tuple[str, list[int]]:
    """`text` with a camel mark before each camelCase break, and the breaks."""
    if _CAMEL_MARK in text:
        text = text.replace(_CAMEL_MARK, _OTHER)
    breaks = _camel_breaks(text)
    if not breaks:
        return text, breaks
    cuts = [0, *breaks, len(text)]
    return _CAMEL_MARK.join(text[a:b] for a, b in pairwise(cuts)), breaks


def _canonical_chars(marked: str) -> str:
    """The canonical character string: word characters folded, leet-resolved and
    l~i-merged; separators as the class codes above.

    Camel marks go into the original text so that leetspeak sees whole tokens: a mark only
    ever falls between two cased characters, and no cased character's canonical form holds
    a leet symbol or ends in a space (checked over all of Unicode), so no rule sees it.
    """
    return _resolve_leet(_translate_canonical(marked))


def _origin(marked: str, breaks: list[int]) -> Offsets:
    """The original index of each canonical character of `marked`."""
    # Each character of `marked` yields len(_CANONICAL[c]) canonical ones (0 to 18): a table
    # for Latin-1, where the encoder put one "?" for each character beyond it.
    lengths = np.frombuffer(
        marked.encode("latin-1", "replace").translate(_LATIN1_LENGTHS), np.uint8
    )
    wide = [(m.start(), len(_CANONICAL[ord(m.group())])) for m in _BEYOND_LATIN1.finditer(marked)]
    if wide:
        lengths = lengths.copy()
        lengths[[i for i, _ in wide]] = [n for _, n in wide]
    index = np.arange(len(marked))
    if breaks:  # a mark takes the index of the character after it
        marks_before = np.zeros(len(marked) + 1, np.intp)
        marks_before[np.asarray(breaks) + np.arange(1, len(breaks) + 1)] = 1
        index -= np.cumsum(marks_before[:-1])
    return np.repeat(index, lengths)


def _chars_with_origin(text: str) -> tuple[str, Offsets]:
    marked, breaks = _mark_camel_breaks(text)
    return _canonical_chars(marked), _origin(marked, breaks)


# Separator classes, as regex sets: a word character is anything above the space.
_WORD = r"[^\x00-\x20]"
_CAMEL_MARKS = re.compile(_CAMEL_MARK)
_INNER_JOINERS = re.compile(rf"{_JOINER}(?<={_WORD}{_JOINER}){_JOINER}*+(?={_WORD})")
# Three or more one-character tokens in a row (maybe "i d i o t"): all of them, and a quick
# test (on the text behind a space).
_SINGLES = re.compile(rf"(?<!{_WORD}){_WORD}(?:[\x00-\x20]+{_WORD}){{2,}}(?!{_WORD})")
_HAS_SINGLES = re.compile(rf"[\x00-\x20]{_WORD}[\x00-\x20]++{_WORD}[\x00-\x20]++{_WORD}(?!{_WORD})")
_ONE_CHAR = re.compile(_WORD)


def _delete(
    chars: str, origin: _MaybeOffsets, spans: list[tuple[int, int]]
) -> tuple[str, _MaybeOffsets]:
    pieces = []
    prev = 0
    for a, b in spans:
        pieces.append(chars[prev:a])
        prev = b
    pieces.append(chars[prev:])
    if origin is None:
        return "".join(pieces), origin
    keep = np.ones(len(chars), bool)
    for a, b in spans:
        keep[a:b] = False
    return "".join(pieces), origin[keep]


def _remove(
    pattern: re.Pattern[str], chars: str, origin: _MaybeOffsets
) -> tuple[str, _MaybeOffsets]:
    if origin is None:
        return pattern.sub("", chars), origin
    return _delete(chars, origin, [m.span() for m in pattern.finditer(chars)])


def _glue_gaps(chars: str) -> Iterator[tuple[int, int]]:
    """The separators between runs of >= 3 single letters, to be removed."""
    for run in _SINGLES.finditer(chars):
        at = [run.start() + m.start() for m in _ONE_CHAR.finditer(run.group())]
        letters: list[int] = []
        for p in [*at, -1]:
            if p >= 0 and chars[p].isalpha():
                letters.append(p)
                continue
            if len(letters) >= 3:
                yield from ((a + 1, b) for a, b in pairwise(letters))
            letters = []


_NO_OFFSETS: Offsets = np.zeros(0, np.intp)


def _squash(chars: str, origin: Offsets) -> Normalised:
    """Separators to one space, runs of one character collapsed ("idiooot" -> "idiot"),
    edges trimmed."""
    if not chars:
        return Normalised("", _NO_OFFSETS, _NO_OFFSETS)
    ascii_ = chars.isascii()
    codes: _Codes = np.frombuffer(
        chars.encode("ascii" if ascii_ else "utf-32-le"), np.uint8 if ascii_ else np.uint32
    )
    codes = np.maximum(codes, _SPACE)
    n = len(codes)
    first = np.empty(n, bool)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    kept = codes[first]
    lo = int(kept[0] == _SPACE)
    hi = max(lo, len(kept) - int(kept[-1] == _SPACE))
    text = kept[lo:hi].tobytes().decode("ascii" if ascii_ else "utf-32-le")
    last = np.empty(n, bool)
    last[-1] = True
    last[:-1] = first[1:]
    return Normalised(text, origin[first][lo:hi], origin[last][lo:hi] + 1)


_TO_SPACE = bytes(max(b, _SPACE) for b in range(256))


def _squashed_text(chars: str) -> str:
    """_squash(chars, ...).text with fewer array operations: a NUL (absent from canonical
    strings) in front lets every character be compared with the one before it."""
    if chars.isascii():
        codes = np.frombuffer(b"\0" + chars.encode("ascii").translate(_TO_SPACE), np.uint8)
        encoding = "ascii"
    else:
        codes = np.maximum(np.frombuffer(("\0" + chars).encode("utf-32-le"), np.uint32), _SPACE)
        codes[0] = 0
        encoding = "utf-32-le"
    tail = codes[1:]
    return tail[tail != codes[:-1]].tobytes().decode(encoding).strip(" ")


def _joined_chars(chars: str, origin: _MaybeOffsets) -> tuple[str, _MaybeOffsets]:
    """Without camel marks and inner joiners, but not yet glued (see :func:`_glued`)."""
    if _CAMEL_MARK in chars:
        chars, origin = _remove(_CAMEL_MARKS, chars, origin)
    # A run of joiners with a word character on both sides goes ("id.-iot").
    if _JOINER in chars:
        chars, origin = _remove(_INNER_JOINERS, chars, origin)
    return chars, origin


def _glued(chars: str, origin: _MaybeOffsets) -> tuple[str, _MaybeOffsets]:
    if _HAS_SINGLES.search(" " + chars):
        chars, origin = _delete(chars, origin, list(_glue_gaps(chars)))
    return chars, origin


# In a squashed view, three one-character tokens in a row: needed before glue can change it.
_MAYBE_SPELLED_OUT = re.compile(r" [^ ] [^ ] [^ ](?![^ ])")


# Joins the two views' strings so that one array pass squashes both: DEL never occurs in a
# canonical string (it is classed _OTHER) and, being above the space, is not a separator.
_VIEW_BREAK = "\x7f"


def canonical_views(text: str) -> tuple[str, str]:
    """The texts of (:func:`normalise_spaced`, :func:`normalise_joined`), without offsets."""
    chars = _canonical_chars(_mark_camel_breaks(text)[0])
    unglued, _ = _joined_chars(chars, None)
    spaced, joined = _squashed_text(f"{chars}{_VIEW_BREAK}{unglued}").split(_VIEW_BREAK)
    joined = joined.lstrip(" ")
    if _MAYBE_SPELLED_OUT.search(" " + joined):
        joined = _squashed_text(_glued(unglued, None)[0])
    return spaced.rstrip(" "), joined


def normalise_views(text: str) -> tuple[Normalised, Normalised]:
    """(:func:`normalise_spaced`, :func:`normalise_joined`) sharing one folding pass."""
    chars, origin = _chars_with_origin(text)
    return _squash(chars, origin), _squash(*_glued(*_joined_chars(chars, origin)))


def normalise_spaced(text: str) -> Normalised:
    """Canonical form with punctuation as word breaks and camelCase split into words.

    "#DeportTheXs!" -> "deport the xs".
    """
    return _squash(*_chars_with_origin(text))


def normalise_joined(text: str) -> Normalised:
    """Canonical form that removes separators *inside* words and glues spelled-out letters.

    "i.d.i.o.t", "i d i o t", "id-iot" and "#deporttheXs" all lose their separators; this
    view finds obfuscated words and run-together hashtags.
    """
    return _squash(*_glued(*_joined_chars(*_chars_with_origin(text))))


def canonical_term(term: str) -> str:
    """The key a lexicon term is stored under (same pipeline as :func:`normalise_spaced`)."""
    return canonical_views(term)[0]


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
