"""Lexicon matcher: obfuscation robustness, offsets into the original text, formats."""

from __future__ import annotations

import io

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
from sitroom.nlp.text import normalise_joined, normalise_spaced, split_hashtag


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
