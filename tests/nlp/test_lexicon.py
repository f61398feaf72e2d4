"""Lexicon matcher: obfuscation robustness, offsets into the original text, formats."""

from __future__ import annotations

import io
import random

import pytest

from sitroom.nlp.lexicon import (
    LexiconEntry,
    LexiconFormatError,
    LexiconMatcher,
    parse_severity,
    read_csv,
    read_hurtlex,
    write_csv,
)
from sitroom.nlp.text import (
    _CANONICAL,
    _translate_canonical,
    canonical_views,
    normalise_joined,
    normalise_spaced,
    normalise_views,
    split_hashtag,
)


@pytest.fixture(scope="module")
def matcher() -> LexiconMatcher:
    return LexiconMatcher.build(
        [
            LexiconEntry("idiot", category="insult", severity=1),
            LexiconEntry("vermin", category="dehumanising", severity=3, target_group="any"),
            LexiconEntry("deport the xs", category="ethnic", severity=3, target_group="xs"),
            LexiconEntry("kill", variants=("murder",), category="threat", severity=3),
            LexiconEntry("Müll", language="de", category="dehumanising"),
        ]
    )


def _spans(m: LexiconMatcher, text: str) -> list[tuple[str, str]]:
    return [(h.entry.term, h.surface) for h in m.match(text)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("what an idiot", "idiot"),
        ("What an IDIOT!", "IDIOT"),
        ("what an i.d.i.o.t", "i.d.i.o.t"),
        ("what an i d i o t", "i d i o t"),
        ("what an i-d-i-o-t", "i-d-i-o-t"),
        ("what an 1d10t", "1d10t"),
        ("what an idiooooot", "idiooooot"),
        ("what an ïdìöt", "ïdìöt"),
        ("what an іdіоt", "іdіоt"),  # Cyrillic і and о
        ("what an id.iot", "id.iot"),
        ("those idiots", "idiot"),
        ("what an idiot!!", "idiot"),  # trailing "!" is punctuation, not a leet "i"
        ("what an idiot!!!1", "idiot"),
        ("what an id!!ot", "id!!ot"),
    ],
)
def test_obfuscated_spellings_match_at_original_offsets(
    matcher: LexiconMatcher, text: str, surface: str
) -> None:
    hits = [h for h in matcher.match(text) if h.entry.term == "idiot"]
    assert len(hits) == 1
    h = hits[0]
    assert h.surface == surface
    assert text[h.start : h.end] == surface


def test_word_boundaries(matcher: LexiconMatcher) -> None:
    assert _spans(matcher, "idiotic behaviour") == []
    assert _spans(matcher, "skill and killer instinct") == []
    assert _spans(matcher, "they want to kill") == [("kill", "kill")]
    assert _spans(matcher, "ki11 them") == [("kill", "ki11")]


def test_variants_and_diacritics(matcher: LexiconMatcher) -> None:
    assert _spans(matcher, "planned murder") == [("kill", "murder")]
    assert _spans(matcher, "Das ist MÜLL") == [("Müll", "MÜLL")]
    assert _spans(matcher, "das ist muell") == []  # transliteration is a separate variant
    assert _spans(matcher, "das ist Mull") == [("Müll", "Mull")]


def test_multiword_hashtag_and_camelcase(matcher: LexiconMatcher) -> None:
    text = "Enough! #DeportTheXs now"
    (hit,) = matcher.match(text)
    assert hit.entry.term == "deport the xs"
    assert text[hit.start : hit.end] == "DeportTheXs"
    assert _spans(matcher, "#deporttheXs") == [("deport the xs", "deporttheXs")]
    assert _spans(matcher, "we must deport   the Xs!") == [("deport the xs", "deport   the Xs")]


def test_numbers_are_not_leetspeak(matcher: LexiconMatcher) -> None:
    assert normalise_spaced("2024 results").text.startswith("2024")
    assert matcher.match("") == []


def test_offset_map_roundtrip() -> None:
    text = "Ｆｕｌｌｗｉｄｔｈ and ß!"
    n = normalise_spaced(text)
    assert n.text == "fuiwidth and s"  # fullwidth folded, l~i, ß -> ss squashed
    a, b = n.span(0, 8)
    assert text[a:b] == "Ｆｕｌｌｗｉｄｔｈ"
    j = normalise_joined("a.b.c d e f")
    assert j.text == "abc def"


def test_split_hashtag() -> None:
    assert split_hashtag("#DeportTheXs") == ["Deport", "The", "Xs"]
    assert split_hashtag("#StopTheSteal2020") == ["Stop", "The", "Steal", "2020"]


def test_severity_parsing() -> None:
    assert parse_severity("high") == 3
    assert parse_severity("low") == 1
    assert parse_severity(2) == 2
    assert parse_severity("85") == 3
    with pytest.raises(LexiconFormatError):
        parse_severity("very")


def test_own_csv_roundtrip() -> None:
    entries = [
        LexiconEntry("vermin", ("vermins",), "en", "dehumanising", 3, "migrants", "n1"),
        LexiconEntry("idiot", (), "en", "insult", 1, None, ""),
    ]
    buf = io.StringIO()
    write_csv(entries, buf)
    buf.seek(0)
    assert read_csv(buf) == entries


def test_hatebase_csv_import() -> None:
    src = io.StringIO(
        "vocabulary_id,term,hateful_meaning,nonhateful_meaning,is_unambiguous,"
        "is_unambiguous_in,average_offensiveness,language,plural_of,variant_of,"
        "transliteration_of,is_about_nationality,is_about_ethnicity,is_about_religion,"
        "is_about_gender,is_about_sexual_orientation,is_about_disability,is_about_class\n"
        "x1,Camel Jacker,Person of Middle Eastern descent.,,0,,90,eng,,camel jockey,,"
        "0,1,0,0,0,0,0\n"
    )
    (e,) = read_csv(src)
    assert e.term == "Camel Jacker"
    assert e.variants == ("camel jockey",)
    assert e.category == "ethnic"
    assert e.severity == 3
    assert e.language == "eng"
    assert "[ambiguous]" in e.notes
    m = LexiconMatcher.build([e])
    assert [h.surface for h in m.match("you c4mel jockey!")] == ["c4mel jockey"]
    out = io.StringIO()
    write_csv([e], out, style="hatebase")
    assert out.getvalue().splitlines()[0].startswith("vocabulary_id,term,hateful_meaning")


def test_hurtlex_import_keeps_conservative_level_by_default() -> None:
    src = io.StringIO(
        "id\tpos\tcategory\tstereotype\tlemma\tlevel\n"
        "EN1\tn\tps\tyes\tsome slur\tconservative\n"
        "EN2\tn\tan\tno\towl\tinclusive\n"
        "EN3\ta\tddp\tyes\tdimwitted\tconservative\n"
    )
    entries = read_hurtlex(src, language="en")
    assert [e.term for e in entries] == ["some slur", "dimwitted"]
    assert entries[0].category == "ethnic"
    assert entries[1].target_group == "disabled people"
    # Version 1.0 files have no id column.
    v10 = io.StringIO("pos\tcategory\tstereotype\tlemma\tlevel\nn\tcds\tno\tcull\tinclusive\n")
    assert [e.term for e in read_hurtlex(v10, levels=("inclusive",))] == ["cull"]


def test_bad_csv_is_rejected() -> None:
    with pytest.raises(LexiconFormatError):
        read_csv(io.StringIO("word,severity\nfoo,1\n"))


def test_many_terms_build_and_match() -> None:
    syl = [c + v for c in "bdfgkmnprstvz" for v in "aeiou"]
    words = [a + b + c for a in syl for b in syl for c in syl][:20000]
    m = LexiconMatcher.build([LexiconEntry(w) for w in words])
    hits = m.match(f"we saw {words[1234]} and {words[19999].upper()}! today")
    assert [h.entry.term for h in hits] == [words[1234], words[19999]]


# Strings that stress every branch of the canonical pipeline: camelCase (ASCII and not),
# leetspeak in and out of words, joiners, spelled-out letters, characters that fold to
# several or to none, non-Latin-1 text, and the control characters used internally.
TRICKY_TEXTS = [
    "",
    "   ",
    "#DeportTheXs!",
    "XMLHttpRequest stupidIdiot ÉCOLE Été aB",
    "COVID19 vs Covid-19, #StopTheSteal2020",
    "i.d.i.o.t, i d i o t, a b, aa a a, x y z 1 2 3",
    "id-.-iot a..b a.#.b so: i.d.i.o.t!!",
    "1d10t $hit sh!t b|tch @user @us3r 2024 +34 £oser €vil ki11",
    "Straße ﬁne ½ x\u00adx e\u0301te\u0301 \u200bzero",
    "Ŀ ŀ ͺ 🅐🅑c aⒶb İstanbul ΣΟΦΙΑ ς Ⅻ ² ௰1 五",
    "Ｆｕｌｌｗｉｄｔｈ “quoted” — text… 😀 https://t.co/AbC123xYz",
    "日本語のテキスト قال الرئيس привет Мир",
    "a\x00b\x01c\x02d\x03e\x7ff\tg\nh\u3000i",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_view_texts_without_offsets_equal_the_offset_views(text: str) -> None:
    spaced, joined = normalise_views(text)
    assert canonical_views(text) == (spaced.text, joined.text)
    assert (normalise_spaced(text).text, normalise_joined(text).text) == (spaced.text, joined.text)
    for view in (spaced, joined):
        for k, c in enumerate(view.text):
            a, b = view.span(k, k + 1)
            assert 0 <= a <= b <= len(text)
            if c != " ":
                assert a < b


def test_view_texts_without_offsets_equal_the_offset_views_on_random_text() -> None:
    rng = random.Random(6)
    alphabet = [*"aeilosxyzAEILOSXYZ 019$@!|+.-_'’#\n", "ß", "é", "\u0301", "😀", "…"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        spaced, joined = normalise_views(text)
        assert canonical_views(text) == (spaced.text, joined.text), text


def test_latin1_fast_path_folds_like_the_plain_table() -> None:
    for text in TRICKY_TEXTS:
        assert _translate_canonical(text) == text.translate(_CANONICAL)


def test_pinned_canonical_views() -> None:
    assert canonical_views("Straße ﬁne…") == ("strase fine", "strase fine")
    assert canonical_views("stupidIdiot") == ("stupid idiot", "stupididiot")
    assert canonical_views("XMLHttpRequest") == ("xmi htp request", "xmihtprequest")
    assert canonical_views("@us3r sh!t $hit 2024") == ("user shit shit 2024",) * 2
    assert canonical_views("“quoted” — 😀 text") == ("quoted text", "quoted text")
    assert canonical_views("i\u00add\u00adi\u00adot") == ("idiot", "idiot")
    assert canonical_views("a b c d, ab c") == ("a b c d ab c", "abcd ab c")


def test_hits_in_only_one_view_keep_their_offsets(matcher: LexiconMatcher) -> None:
    # The cheap look for keys runs on both views' texts; a key in just one of them must
    # still come back, at its original offsets.
    text = "so: i.d.i.o.t. And a stupidIdiot, ﬁne Müll!"
    assert canonical_views(text) == (
        "so i d i o t and a stupid idiot fine mui",  # camelCase split: "idiot" only here
        "so idiot and a stupididiot fine mui",  # spelled out: "idiot" only here
    )
    assert [(h.entry.term, h.surface, text[h.start : h.end]) for h in matcher.match(text)] == [
        ("idiot", "i.d.i.o.t", "i.d.i.o.t"),
        ("idiot", "Idiot", "Idiot"),
        ("Müll", "Müll", "Müll"),
    ]


def test_offsets_across_characters_that_fold_to_several_or_none(matcher: LexiconMatcher) -> None:
    text = "ﬁne… ßß i\u00add\u200bi\u0301ot!"
    (hit,) = matcher.match(text)
    assert hit.surface == "i\u00add\u200bi\u0301ot"
