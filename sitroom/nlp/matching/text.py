"""Text normalisation shared by indexing and querying.

Queries are often raw social posts: links, @handles, #CamelCaseTags and an embedded-tweet
trailer ("— Name (@handle) January 6, 2020"). Links carry no words a fact-check would share,
while handles and hashtags usually name the people and topics of the claim, so they are split
into words rather than dropped.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
# Hashtags often run into a following link ("#DefundTheCBChttps://t.co/x").
_GLUED_URL = re.compile(r"(?<=\w)(https?://)", re.IGNORECASE)
_TAG = re.compile(r"([#@])(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")
_SPACES = re.compile(r"\s+")
_RETWEET = re.compile(r"^\s*RT\s+@\w+\s*:?\s*", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Small function-word lists for the languages the newsroom sees most; BM25's idf handles the
# rest, these only keep posting lists short and long queries fast.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "not",
        "no",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "than",
        "then",
        "so",
        "too",
        "very",
        "just",
        "also",
        "about",
        "into",
        "over",
        "under",
        "after",
        "before",
        "while",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "s",
        "t",
        "via",
        "amp",
        "rt",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "ou",
        "en",
        "est",
        "sont",
        "dans",
        "pour",
        "par",
        "sur",
        "au",
        "aux",
        "ce",
        "cette",
        "ces",
        "qui",
        "que",
        "il",
        "elle",
        "ils",
        "elles",
        "pas",
        "ne",
        "se",
        "sa",
        "son",
        "ses",
        "leur",
        "el",
        "los",
        "las",
        "unos",
        "unas",
        "y",
        "o",
        "es",
        "son",
        "del",
        "al",
        "lo",
        "por",
        "con",
        "para",
        "que",
        "se",
        "su",
        "sus",
        "una",
        "uno",
        "der",
        "die",
        "das",
        "und",
        "oder",
        "ist",
        "sind",
        "ein",
        "eine",
        "einen",
        "dem",
        "den",
        "des",
        "mit",
        "von",
        "zu",
        "im",
        "auf",
        "für",
        "nicht",
        "o",
        "os",
        "as",
        "um",
        "uma",
        "e",
        "é",
        "são",
        "do",
        "da",
        "dos",
        "das",
        "no",
        "na",
        "nos",
        "nas",
        "com",
        "para",
        "por",
        "que",
    ]
)


def clean_text(text: str) -> str:
    """Strip links and a retweet marker, split handles/hashtags into words; keep the rest."""
    text = _RETWEET.sub("", unicodedata.normalize("NFKC", text))
    text = _GLUED_URL.sub(r" \1", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(lambda m: _CAMEL.sub(" ", m.group(2)).replace("_", " "), text)
    return _SPACES.sub(" ", text).strip()


def query_input(text: str) -> str:
    """What the embedder sees of a query: the cleaned text (or the text, if nothing is left)."""
    return clean_text(text) or text


def _stem(token: str) -> str:
    # A plural-only stemmer: cheap, language-agnostic enough, and it fixes the commonest
    # mismatch between a post ("vaccines") and a fact-check title ("vaccine").
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed word tokens."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return [
        _stem(t) for t in _TOKEN.findall(text) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())
    ]


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%B %d %Y")
# The trailer of an embedded post: "— Name (@handle) January 6, 2020".
_TRAILER_DATE = re.compile(rf"((?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}})\W*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def parse_day(value: object) -> int | None:
    """Proleptic ordinal day of a date, datetime or date string; None if unparseable."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    if not isinstance(value, str) or not value.strip():
        return None
    iso = _ISO_DATE.match(value)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3])).toordinal()
        text = _SPACES.sub(" ", value.strip())
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date().toordinal()
            except ValueError:
                continue
    except ValueError:
        return None
    return None


def trailer_day(text: str) -> int | None:
    """The posting date quoted at the end of an embedded social post, if any."""
    match = _TRAILER_DATE.search(text[-60:])
    return parse_day(match.group(1)) if match else None
