"""Neutral hashtags added to training cases, so a post's tags do not decide its label.

Posts in an election carry election hashtags ("#Uchaguzi2027", "#Présidentielle"); the
functional cases carry none, and in the public corpora tweets with hashtags are mostly not
hateful. The model trained on both learnt that a hashtag means "not hateful": the hate model
`1835c7f5` scored "les musulmans doivent tous être tués" 0.89 and the same with
"#Elections2027" in front 0.23, below its threshold. :func:`with_neutral_tags` adds tags that
say nothing about a group (election, news, places, platform habits, in the languages of the
cases and of the deployments) to a share of the cases, hateful and not alike, with the same
label. A tag that carries the hate ("#KillAllMuslims") is a different thing and is left alone.

Emoji move the label less (held-out templates with one to three emoji, as
``benchmarks/hate_functional.py`` adds them: accuracy 0.889 -> 0.834 with `24014d71`). Copies
with other emoji for another fifth of the cases were tried: 0.862 with emoji, but the
Multilingual HateCheck suites fell from 0.795 to 0.778 mean accuracy, so they are not made.

The choice of case, tags and position is a hash of the text: the set is reproducible.
The tags were written for this project, not taken from any test suite.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sitroom.nlp.classifiers.base import stable_hash

# Tags about the election, the news or a place: they say nothing about any group.
# fmt: off
NEUTRAL_TAGS: dict[str, list[str]] = {
    "": [  # any language: Latin-letter tags travel across languages
        "#Election2027", "#Elections2027", "#Vote2027", "#ElectionDay", "#BreakingNews",
        "#news", "#politics", "#Breaking", "#debate", "#live", "#fyp", "#viral", "#thread",
        "#Uchaguzi2027", "#KenyaDecides", "#Nairobi", "#Abidjan", "#Lagos", "#Dakar",
        "#Kinshasa", "#Tunis", "#Accra", "#Kampala", "#IEBC", "#CENI", "#ElectionWatch",
        "#FactCheck", "#Results2027", "#Decision2027", "#PollingDay",
    ],
    "en": ["#GeneralElection", "#VoteNow", "#TownHall", "#ElectionNight", "#Manifesto"],
    "fr": ["#Présidentielle2027", "#Législatives", "#Élections2027", "#Scrutin", "#Actu"],
    "es": ["#Elecciones2027", "#Votaciones", "#Debate2027", "#ÚltimaHora", "#Noticias"],
    "pt": ["#Eleições2026", "#Eleicoes2026", "#Debate", "#Urnas", "#Notícias"],
    "de": ["#Bundestagswahl", "#Wahl2027", "#Landtagswahl", "#Nachrichten", "#Wahlkampf"],
    "it": ["#Elezioni2027", "#Elezioni", "#Voto", "#Politica", "#Notizie"],
    "nl": ["#Verkiezingen", "#TK2027", "#Stemmen", "#Nieuws", "#Debat"],
    "pl": ["#Wybory2027", "#Wybory", "#Polityka", "#Debata", "#Wiadomości"],
    "ar": ["#الانتخابات", "#انتخابات_2027", "#عاجل", "#تونس", "#مصر", "#الجزائر", "#السودان"],
    "hi": ["#चुनाव2027", "#लोकसभा", "#Chunav2027", "#Election", "#ब्रेकिंग", "#Delhi"],
    "zh": ["#选举", "#大选2027", "#新闻", "#投票", "#台湾选举"],
    "sw": ["#Uchaguzi", "#KuraYangu", "#Habari", "#Kenya", "#Tanzania"],
}
# fmt: on

SHARE = 0.2  # of the cases, each gets one tagged copy (0.2 and 0.4 compared in MODELS.md)


def _rng(text: str, salt: str = "tags:") -> random.Random:
    return random.Random(stable_hash(salt + text))


def tag_text(text: str, lang: str) -> str:
    """``text`` with one to three neutral tags in front, behind, or both."""
    rng = _rng(text)
    pool = NEUTRAL_TAGS[""] + NEUTRAL_TAGS.get(lang, []) * 3  # the case's language first
    tags = rng.sample(pool, rng.choice((1, 1, 2, 3)))
    where = rng.random()
    if where < 0.4:
        return f"{' '.join(tags)} {text}"
    if where < 0.85:
        return f"{text} {' '.join(tags)}"
    return f"{tags[0]} {text} {' '.join(tags[1:]) or rng.choice(pool)}"


def picked(text: str, share: float = SHARE) -> bool:
    """Whether ``text`` is one of the cases that get a tagged copy."""
    return _rng(text, "pick:").random() < share


def with_neutral_tags(
    texts: Sequence[str], langs: Sequence[str], share: float = SHARE
) -> list[tuple[int, str]]:
    """(index, tagged text) for the picked cases; the caller copies label and template."""
    return [(i, tag_text(t, lang)) for i, (t, lang) in enumerate(zip(texts, langs, strict=True))
            if picked(t, share)]  # fmt: skip
