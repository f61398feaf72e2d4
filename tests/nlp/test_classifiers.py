"""Classifiers: training, storage, the activation rule and the ``classify`` CLI core."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from sitroom.nlp import training as T
from sitroom.nlp.classifiers import LABELS, load_classifier
from sitroom.nlp.classifiers.cli import classify_run
from sitroom.nlp.classifiers.datasets import DataFormatError, Example, load_labelled_file
from sitroom.nlp.classifiers.functional import functional_cases, split_by_template
from sitroom.nlp.classifiers.model import StackedModel, TrainConfig

CLAIMS = [
    "Unemployment fell by {} percent last year.",
    "The state spent {} million dollars on roads.",
    "Crime rose {} percent since 2010.",
    "We have lost {} thousand factory jobs.",
    "Taxes went up by {} percent under this government.",
]
OPINIONS = [
    "Thank you all for coming tonight {}.",
    "I love this wonderful city {}.",
    "What a great crowd we have {}.",
    "Good evening and welcome {}.",
    "God bless you all {}.",
]
CFG = TrainConfig(folds=3, c_emb=4.0, c_ngram=4.0)


def _toy(n: int = 4, flip: bool = False) -> list[Example]:
    out = []
    for i in range(n):
        for t in CLAIMS:
            out.append(Example(t.format(3 + i * 7), 0 if flip else 1, "en", "own"))
        for t in OPINIONS:
            out.append(Example(t.format(["friends", "everyone", "folks", "tonight"][i % 4]),
                               1 if flip else 0, "en", "own"))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory: pytest.TempPathFactory) -> T.Featurizer:
    mp = pytest.MonkeyPatch()
    mp.setenv("SITROOM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    try:
        return T.Featurizer()
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def good_model(featurizer: T.Featurizer) -> StackedModel:
    return T.train("checkworthy", _toy(), featurizer=featurizer, config=CFG, version="good")


def test_training_learns_and_roundtrips(
    good_model: StackedModel, featurizer: T.Featurizer, tmp_path: Path
) -> None:
    held = [
        Example("Inflation rose 9 percent this spring.", 1, "en"),
        Example("Thank you and good night, everyone.", 0, "en"),
    ]
    assert T.evaluate(good_model, held, featurizer)["accuracy"] == 1.0
    good_model.save(tmp_path / "m")
    loaded = StackedModel.load(tmp_path / "m")
    texts = [e.text for e in held]
    a = good_model.predict_proba(texts, featurizer)
    b = loaded.predict_proba(texts, featurizer)
    assert np.allclose(a, b, atol=1e-2)  # n-gram weights are stored as float16
    assert not list((tmp_path / "m").glob("*.pkl"))
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["task"] == "checkworthy" and meta["threshold"] > 0


def test_prediction_fields(good_model: StackedModel) -> None:
    (p,) = good_model.predict(["Unemployment fell by 12 percent last year."])
    assert p.label in LABELS["checkworthy"]
    assert 0.0 <= p.score <= 1.0
    assert p.model_name == good_model.name and p.model_version == "good"
    assert p.evidence and p.target_group is None


def test_worse_model_is_not_activated(
    good_model: StackedModel, featurizer: T.Featurizer, tmp_path: Path
) -> None:
    reg = T.ModelRegistry(tmp_path / "reg")
    reg.register(good_model, {})
    reg.activate("checkworthy", "good")
    held = [Example(t.format(99), 1, "en") for t in CLAIMS] + [
        Example(t.format("again"), 0, "en") for t in OPINIONS
    ]
    bad = T.train("checkworthy", _toy(flip=True), featurizer=featurizer, config=CFG,
                  version="bad")  # fmt: skip
    reg.register(bad, {})
    dec = T.activate_if_not_worse(bad, reg.load("checkworthy"), held, registry=reg,
                                  featurizer=featurizer)  # fmt: skip
    assert not dec.activated
    assert dec.current_score is not None and dec.candidate_score < dec.current_score
    assert reg.active_version("checkworthy") == "good"
    # An equally good candidate is activated ("not worse").
    same = T.train("checkworthy", _toy(), featurizer=featurizer, config=CFG, version="same")
    dec2 = T.activate_if_not_worse(same, reg.load("checkworthy"), held, registry=reg,
                                   featurizer=featurizer)  # fmt: skip
    assert dec2.activated
    assert reg.active_version("checkworthy") == "same"
    assert {v["version"] for v in reg.versions("checkworthy")} == {"good", "bad", "same"}


def test_classify_cli_output_and_bad_input(good_model: StackedModel, tmp_path: Path) -> None:
    reg = T.ModelRegistry(tmp_path / "reg")
    reg.register(good_model, {})
    reg.activate("checkworthy", good_model.version)
    inp = tmp_path / "in.jsonl"
    inp.write_text(
        json.dumps({"id": 1, "text": "Crime rose 40 percent since 2010."}) + "\n\n"
        + json.dumps({"id": "b", "text": "Good evening and welcome, friends."}) + "\n"
    )  # fmt: skip
    out = io.StringIO()
    assert classify_run("checkworthy", inp, out, model_dir=tmp_path / "reg") == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [1, "b"]
    assert [r["label"] for r in rows] == ["yes", "no"]
    assert all(set(r) == {"id", "label", "score"} and 0 <= r["score"] <= 1 for r in rows)

    for bad_line, msg in [
        ("{not json", "line 2: not valid JSON"),
        (json.dumps({"text": "x"}), "line 2: missing 'id'"),
        (json.dumps({"id": 3, "text": 5}), "line 2: 'text' must be a string"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"id": NaN, "text": "x"}', "line 2: not valid JSON (NaN is not a JSON value)"),
    ]:
        inp.write_text(json.dumps({"id": 1, "text": "ok"}) + "\n" + bad_line + "\n")
        out, err = io.StringIO(), io.StringIO()
        assert classify_run("checkworthy", inp, out, err=err, model_dir=tmp_path / "reg") == 2
        assert msg in err.getvalue()
        assert out.getvalue() == ""
    # A byte-order mark and characters UTF-8 cannot encode (a lone surrogate) are not errors.
    inp.write_bytes(b"\xef\xbb\xbf" + b'{"id": 1, "text": "a \\ud800 b\\u0000"}\n')
    out = io.StringIO()
    assert classify_run("checkworthy", inp, out, model_dir=tmp_path / "reg") == 0
    assert json.loads(out.getvalue())["id"] == 1
    err = io.StringIO()
    missing = tmp_path / "missing.jsonl"
    assert classify_run("checkworthy", missing, io.StringIO(), err=err, model_dir=reg.root) == 2
    assert classify_run("sentiment", inp, io.StringIO(), err=io.StringIO()) == 2


def test_shipped_models_load_and_label() -> None:
    for task in ("hate", "checkworthy", "toxicity"):
        try:
            clf = load_classifier(task)
        except FileNotFoundError:
            pytest.skip("shipped models not built")
        assert clf.task == task
    preds = load_classifier("hate").predict(["I love my neighbours.", "Muslims are vermin."])
    assert {p.label for p in preds} <= set(LABELS["hate"])
    hate = StackedModel.load(T.SHIPPED_DIR / "hate")  # its threshold: T.HELDOUT_THRESHOLD
    recall = T.HELDOUT_RECALL["hate"]
    assert (
        hate.info["threshold_from"] == f"held-out functional templates, hateful recall {recall:g}"
    )
    assert 0 < hate.threshold < 1 and "oof_threshold" in hate.info


def test_shipped_hate_model_is_not_turned_by_election_hashtags() -> None:
    """The shipped model's behaviour on posts as an election room sees them (augment.py,
    functional_election.py): hate with election tags in front or behind is still hate, and
    tagged voting information and an election claim are not. Texts written for this test,
    not training cases."""
    try:
        clf = load_classifier("hate")
    except FileNotFoundError:
        pytest.skip("shipped models not built")
    hateful = [
        "#Elections2027 les musulmans doivent tous être tués, ce pays est à nous",
        "Women are filth and should never be allowed near a ballot box #Vote2027",
        "#Uchaguzi2027 #KenyaDecides Jews are rats, get them out of our country",
    ]
    not_hateful = [
        "Polling stations open at 7am on Sunday, bring your voter card #Uchaguzi2027",
        "#Elecciones2027 El tribunal electoral publicará los resultados el lunes.",
        "BREAKING: the ballots for district 4 were printed with the wrong candidate list",
    ]
    labels = [p.label for p in clf.predict(hateful + not_hateful)]
    assert labels == ["hateful"] * 3 + ["non-hateful"] * 3


def test_labelled_file_formats(tmp_path: Path) -> None:
    j = tmp_path / "l.jsonl"
    j.write_text('{"text": "a", "label": "hateful", "lang": "en"}\n{"text": "b", "label": 0}\n')
    assert [(e.text, e.label, e.lang) for e in load_labelled_file(j)] == [
        ("a", 1, "en"),
        ("b", 0, ""),
    ]
    c = tmp_path / "l.csv"
    c.write_text("text,label,lang\nhello,yes,en\nbye,no,fr\n")
    assert [e.label for e in load_labelled_file(c)] == [1, 0]
    j.write_text('{"text": "a", "label": "maybe"}\n')
    with pytest.raises(DataFormatError, match=r"l\.jsonl:1"):
        load_labelled_file(j)


def test_heldback_split_and_dedup() -> None:
    exs = [Example(f"sentence number {i} about things", i % 2, "en") for i in range(500)]
    _tr1, he1 = T.split_heldback(exs)
    _tr2, he2 = T.split_heldback(list(reversed(exs)))
    assert {e.text for e in he1} == {e.text for e in he2}
    assert 50 < len(he1) < 150
    dev = [Example("We're consuming 50 percent of the world's cocaine.", 1, "en")]
    train = [
        Example("We are consuming 50 percent of the worlds cocaine!", 1, "en"),  # same, no '
        Example("we're consuming 50 percent of the world's cocaine", 1, "en"),
        Example("A different sentence entirely, long enough to count.", 0, "en"),
    ]
    kept, dropped = T.deduplicate_against(train, dev)
    assert dropped == 1 and len(kept) == 2  # punctuation/case variants are duplicates


def test_functional_cases_cover_languages_and_hold_out_templates() -> None:
    cases = functional_cases()
    assert {c.lang for c in cases} >= {"en", "fr", "de", "es", "pt", "it", "nl", "pl", "ar"}
    tr, te = split_by_template(cases)
    assert not {c.template for c in tr} & {c.template for c in te}
    assert not {c.text for c in tr} & {c.text for c in te}
    assert {c.label for c in te} == {0, 1}
    # Every language has held-out cases of the hard functionalities, on both sides.
    for lang in ("en", "fr", "de", "es", "pt", "it", "nl", "pl", "ar", "hi", "zh"):
        fns = {c.functionality for c in te if c.lang == lang}
        assert {"negated-hate", "counter-quote", "abuse-nonprotected", "spelling"} <= fns
        assert {"threat", "negated-positive", "question"} <= fns
    assert {c.functionality for c in cases if c.label == 1} >= {"slur", "profanity-hateful"}


def test_election_cases_teach_claims_from_hate_in_every_language() -> None:
    """functional_election.py: in each of the 15 languages, election claims, voting
    information and abuse of the election body, parties and candidates are non-hateful
    training cases without a group; a group denied the vote or called vermin is hateful
    for every group, and the same groups defended or named neutrally are not. None is held
    out, and the toxicity model's training set does not take them."""
    from sitroom.nlp.classifiers import functional_election as FE
    from sitroom.nlp.classifiers.functional import GROUPS

    langs = set(GROUPS)
    assert set(FE.HATEFUL) == set(FE.NON_HATEFUL) == set(FE.CLAIMS) == langs
    tr, te = split_by_template(functional_cases())
    assert not [c for c in te if c.template.startswith(("v-", "w-"))]
    for lang in langs:
        claims = [c for c in tr if c.lang == lang and c.template.startswith("v-")]
        assert len({c.template for c in claims}) == len(FE.CLAIMS[lang])
        assert all(c.label == 0 and c.target_group is None for c in claims)
        assert {c.functionality for c in claims} >= {"election-claim", "abuse-nonprotected"}
        groups = [c for c in tr if c.lang == lang and c.template.startswith("w-")]
        assert not [c for c in groups if "{" in c.text]
        for tid, _fn, _tpl in FE.HATEFUL[lang]:
            filled = {c.target_group for c in groups if c.template == tid and c.label == 1}
            assert len(filled) == len(GROUPS[lang]), (lang, tid)
        for tid, _fn, _tpl in FE.NON_HATEFUL[lang]:
            assert {c.label for c in groups if c.template == tid} == {0}, (lang, tid)
    tox, _ = T.functional_examples("toxicity")
    assert not [e for e in tox if e.meta["template"].startswith(("v-", "w-"))]


def _check_composed(lang: str, spec: object, cases: list[tuple]) -> None:
    from sitroom.nlp.classifiers import functional_compose as FC
    from sitroom.nlp.classifiers.functional import GROUP_KEYS

    assert isinstance(spec, FC.Lang)
    assert set(spec.hateful) == set(FC.LANGS["en"].hateful), lang
    assert set(spec.non_hateful) == set(FC.LANGS["en"].non_hateful), lang
    assert not [c for c in cases if "{" in c[0] or "}" in c[0]], lang
    hateful = [c for c in cases if c[1] == 1]
    assert all(c[3] in GROUP_KEYS for c in hateful)  # a target group on every hateful case
    assert all(c[3] is None for c in cases if c[1] == 0)
    # Every derogatory predicate is also denied, quoted against, and said of others.
    fns = {c[4] for c in cases if c[1] == 0}
    assert {"negated-hate", "counter-quote", "abuse-nonprotected"} <= fns, lang
    assert 0.4 < len(hateful) / len(cases) < 0.6, lang
    # A group said to disgust is hate, said of others it is not; a neutral mention is not.
    emotion = [c for c in cases if c[4] == "negative-emotion"]
    assert emotion and all(c[1] == 1 for c in emotion), lang
    assert [c for c in cases if c[2].startswith("x-c-") and "negative-emotion" in c[2]], lang
    assert [c for c in cases if c[4] == "identity-neutral" and c[1] == 0], lang
    assert spec.vulgar and set(spec.vulgar) <= set(spec.neg), lang  # vulgar, every frame
    vulgar = spec.vulgar[0]
    said_of_others = [c for c in cases if c[4] == "abuse-nonprotected" and vulgar in c[0]]
    said_of_groups = [c for c in cases if c[1] == 1 and vulgar in c[0]]
    assert len(said_of_others) == len(said_of_groups), lang  # 3 others per 3 groups
    assert not [c for c in cases if c[2].startswith(("e-", "x-e-"))]  # never held out


def test_composed_cases_pair_every_hateful_frame_with_its_contrasts() -> None:
    from sitroom.nlp.classifiers import functional_compose as FC
    from sitroom.nlp.classifiers.functional import GROUP_KEYS, GROUPS

    for lang, spec in FC.LANGS.items():
        cases = FC.composed(lang, GROUPS[lang], GROUP_KEYS)
        assert cases == FC.composed(lang, GROUPS[lang], GROUP_KEYS)  # reproducible
        std = FC._compose(lang, "c-", spec, GROUPS[lang], GROUP_KEYS)
        assert cases[: len(std)] == std  # the standard language first, then its variants
        _check_composed(lang, spec, std)


def test_composed_only_languages_and_more_groups() -> None:
    """Swahili, Indonesian, Tagalog and Turkish are trained on composed and election cases
    only (no hand-written templates; their held-out templates are evaluation only), and every
    language's frames are also filled with six more protected groups (religions and peoples),
    named by their kind: the model must not learn eight group words instead of the rule.
    Each language is detected as itself, so it gets its own centre."""
    from collections import Counter

    from sitroom.nlp.classifiers import functional_compose as FC
    from sitroom.nlp.classifiers.functional import (
        EXTRA_GROUP_KEYS,
        EXTRA_GROUPS,
        GROUP_KEYS,
        GROUPS,
        TARGET_NAMES,
        is_heldout,
    )
    from sitroom.nlp.classifiers.model import detect_langs

    assert set(FC.NEW_LANGS) == {"sw", "id", "tl", "tr"}
    assert set(EXTRA_GROUPS) == set(GROUPS) == set(FC.LANGS)
    cases = functional_cases()
    for lang in FC.NEW_LANGS:
        mine = [c for c in cases if c.lang == lang]
        train = [c for c in mine if not is_heldout(c.template)]
        # composed cases, and the election cases (functional_election.py, v- and w-)
        assert train and all(
            c.template.removeprefix("x-").startswith(("c-", "v-", "w-")) for c in train
        )
        held = split_by_template(mine)[1]  # their functional_heldout.py templates
        assert held and all(c.template.removeprefix("x-").startswith("e-") for c in held)
        _check_composed(lang, FC.LANGS[lang], FC.composed(lang, GROUPS[lang], GROUP_KEYS))
        std = [c.text for c in mine if c.functionality in ("derogation", "negated-hate")][:60]
        assert Counter(detect_langs(std)).most_common(1)[0][0] == lang
    for lang, extra in EXTRA_GROUPS.items():
        assert len(extra) == len(EXTRA_GROUP_KEYS) and not set(extra) & set(GROUPS[lang])
        hateful = [c for c in cases if c.lang == lang and c.label == 1]
        for key in set(EXTRA_GROUP_KEYS):
            assert [c for c in hateful if c.target_group == TARGET_NAMES[key]], (lang, key)
        named = [g for g in extra if any(g in c.text for c in hateful)]
        assert len(named) >= 5, (lang, named)  # hashed over the groups, not one or two


def test_written_variants_compose_by_the_same_rules() -> None:
    """Colloquial Arabic, Arabic and Hindi in Latin letters: the same functionalities and
    contrasts, their own template ids, the groups in GROUP_KEYS order."""
    from sitroom.nlp.classifiers import functional_compose as FC
    from sitroom.nlp.classifiers.functional import GROUP_KEYS, GROUPS

    assert {(lang, v.tag) for lang, vs in FC.VARIANTS.items() for v in vs} >= {
        ("ar", "dia"),
        ("ar", "latn"),
        ("hi", "latn"),
    }
    for lang, variants in FC.VARIANTS.items():
        cases = FC.composed(lang, GROUPS[lang], GROUP_KEYS)
        for v in variants:
            assert len(v.groups) == len(GROUP_KEYS), (lang, v.tag)
            prefix = f"c-{v.tag}-"
            mine = [c for c in cases if c[2].removeprefix("x-").startswith(prefix)]
            assert mine, (lang, v.tag)
            _check_composed(f"{lang}:{v.tag}", v.lang, mine)
            if v.tag == "latn":  # Latin letters (and Arabizi's digits) only
                assert all(c[0].isascii() for c in mine), (lang, v.tag)
            for c in mine:
                if c[1] == 1:
                    assert v.groups[GROUP_KEYS.index(c[3])] in c[0]  # the key names the group
        # Template ids never collide with the standard language's or another variant's.
        ids = [c[2] for c in cases]
        n_std = len(FC._compose(lang, "c-", FC.LANGS[lang], GROUPS[lang], GROUP_KEYS))
        assert not set(ids[:n_std]) & set(ids[n_std:]), lang


def test_spelling_variants_are_deterministic_misspellings() -> None:
    from sitroom.nlp.classifiers.functional import spelling_variant

    texts = ["Immigrants are disgusting vermin.", "Je déteste les immigrés.", "我讨厌移民。"]
    for text in texts:
        v = spelling_variant(text, "immigrants")
        assert v == spelling_variant(text, "immigrants")
        assert v != text and abs(len(v) - len(text)) <= 2 * len(text)


def test_routed_model_roundtrip(good_model: StackedModel, tmp_path: Path) -> None:
    from sitroom.nlp.classifiers.model import RoutedModel, load_model

    routed = RoutedModel("checkworthy", "r", "v1", {"en": good_model}, good_model)
    routed.save(tmp_path / "r")
    loaded = load_model(tmp_path / "r")
    assert isinstance(loaded, RoutedModel) and set(loaded.routes) == {"en"}
    texts = ["Crime rose 40 percent since 2010.", "Gracias a todos por venir esta noche."]
    preds = loaded.predict(texts)
    assert [p.model_version for p in preds] == ["v1", "v1"]
    assert preds[0].label == "yes" and preds[0].evidence[0] == "route: en"
    assert preds[1].evidence[0] == "route: multilingual"


def test_language_varieties_go_to_their_language_route(
    good_model: StackedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitroom.nlp.classifiers import model as M

    detected = {"Egyptian": "arz", "Moroccan": "ary", "Aragonese": "an", "Galician": "gl"}
    monkeypatch.setattr(M, "_detect_lang", lambda t: detected[t.split()[0]])
    routed = M.RoutedModel("checkworthy", "r", "v1", {"ar": good_model, "es": good_model},
                           good_model)  # fmt: skip
    texts = [f"{k} text: crime rose 40 percent since 2010." for k in detected]
    assert M.detect_langs(texts) == ["ar", "ar", "es", "gl"]
    routes = [p.evidence[0] for p in routed.predict(texts)]
    assert routes == ["route: ar", "route: ar", "route: es", "route: multilingual"]


def test_genre_split_sends_a_language_to_another_route_and_roundtrips(
    good_model: StackedModel, featurizer: T.Featurizer, tmp_path: Path
) -> None:
    from sitroom.nlp.classifiers.model import GenreSplit, RoutedModel, load_model

    texts = ["Crime rose 40 percent since 2010.", "Thank you and good night, everyone."]
    emb = featurizer(texts)
    # A probe that scores the first text above 0.5 and the second below.
    w = (emb[0] - emb[1]).astype(np.float64)
    b = -float(w @ (emb[0] + emb[1]) / 2)
    split = GenreSplit("en-social", 40 * w, 40 * b)
    routed = RoutedModel(
        "checkworthy", "r", "v1", {"en": good_model, "en-social": good_model}, good_model,
        splits={"en": split},
    )  # fmt: skip
    routed.save(tmp_path / "r")
    loaded = load_model(tmp_path / "r")
    assert isinstance(loaded, RoutedModel) and set(loaded.splits) == {"en"}
    assert np.allclose(loaded.splits["en"].w, 40 * w, atol=1e-3)
    preds = loaded.predict(texts, embed_fn=lambda _c: emb)
    assert [p.evidence[0] for p in preds] == ["route: en-social", "route: en"]
    # Without the route it names, the split is ignored.
    del loaded.routes["en-social"]
    preds = loaded.predict(texts, embed_fn=lambda _c: emb)
    assert [p.evidence[0] for p in preds] == ["route: en", "route: en"]


def test_lexicon_hits_become_evidence(good_model: StackedModel) -> None:
    from sitroom.nlp.lexicon import LexiconEntry, LexiconMatcher

    good_model.lexicon = LexiconMatcher.build([LexiconEntry("crime", category="topic")])
    try:
        (p,) = good_model.predict(["Cr1me rose 40 percent since 2010."])
    finally:
        good_model.lexicon = None
    assert any(e.startswith("lexicon 'Cr1me' [0:5]") for e in p.evidence)


def test_embed_budgets_are_nested_and_none_means_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exs = [Example(f"claim number {i} in the debate", i % 2, "en", "clef2024-en-train")
           for i in range(50)] + [
        Example(f"tweet number {i}", i % 2, "es", "clef2022-es-train") for i in range(50)
    ]  # fmt: skip
    own = [Example("a deployment's own label", 1, "en", "own")]
    monkeypatch.setitem(T.EMBED_BUDGET, "clef2024-en-train", None)
    monkeypatch.setitem(T.EMBED_BUDGET, "clef2022-es-train", 10)
    idx = T.embedded_subset(exs + own)
    assert len(idx) == 50 + 10 + 1
    monkeypatch.setitem(T.EMBED_BUDGET, "clef2022-es-train", 20)
    assert set(idx) <= set(T.embedded_subset(exs + own))  # a bigger budget only adds rows


def test_models_md_keeps_the_benchmark_section(good_model: StackedModel, tmp_path: Path) -> None:
    (tmp_path / "MODELS.md").write_text("STALE-HEADER\n\n## Benchmark (x)\n\n```\ntable\n```\n")
    path = T.write_models_md(tmp_path, {"checkworthy": good_model})
    text = path.read_text()
    assert text.startswith("# Shipped classifier models") and "STALE-HEADER" not in text
    assert text.endswith("## Benchmark (x)\n\n```\ntable\n```\n")
    assert "## checkworthy" in text


def test_hidden_layer_head_learns_and_roundtrips(featurizer: T.Featurizer, tmp_path: Path) -> None:
    from dataclasses import replace

    cfg = replace(CFG, emb_hidden=16, emb_epochs=200)
    hate = [
        Example(t, lab, "en", "functional", None, {"template": f"t{i % 5}"})
        for i, (t, lab) in enumerate(
            [(f"{g} are vermin and should leave.", 1) for g in ("Jews", "Muslims", "Roma")]
            + [(f"I hate {g}, all of them.", 1) for g in ("gays", "migrants", "women")]
            + [(f"{g} are our friends and neighbours.", 0) for g in ("Jews", "Muslims", "Roma")]
            + [(f"We welcome {g} to the festival.", 0) for g in ("gays", "migrants", "women")]
        )
    ]
    assert T.template_folds(hate, 3) is not None
    m = T.train("hate", hate * 2, featurizer=featurizer, config=cfg, version="mlp")
    assert m.emb_hidden_w is not None and m.emb_hidden_w.shape[1] == 16
    m.save(tmp_path / "m")
    loaded = StackedModel.load(tmp_path / "m")
    texts = ["Roma are vermin and should leave.", "We welcome Roma to the festival."]
    a = m.predict_proba(texts, featurizer)
    assert np.allclose(a, loaded.predict_proba(texts, featurizer), atol=1e-2)
    assert a[0] > a[1]


def test_language_centring_removes_the_language_offset(
    featurizer: T.Featurizer, tmp_path: Path
) -> None:
    from dataclasses import replace

    en = ["The weather is lovely in the park today.", "My brother cooks dinner every night."]
    fr = ["Il fait très beau dans le parc aujourd'hui.", "Mon frère prépare le dîner chaque soir."]
    langs = ["en", "en", "fr", "fr"]
    exs = [Example(t, 0, lang, "functional") for t, lang in zip(en + fr, langs, strict=True)]
    exs.append(Example(en[0], 0, "en", "own"))
    content = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    offset = {"en": np.array([0, 0, 0.5]), "fr": np.array([0, 0, -0.5])}
    emb = np.vstack([content + offset["en"], content + offset["fr"], content[:1] + offset["en"]])
    names, shift, out = T.lang_centres(en + fr + en[:1], exs, emb, min_rows=2)
    assert names == ["en", "fr"] and shift is not None
    np.testing.assert_allclose(out[:2], content, atol=1e-6)  # same content, same vector
    np.testing.assert_allclose(out[2:4], content, atol=1e-6)
    np.testing.assert_allclose(out[4], content[0], atol=1e-6)  # any row of the language
    # Cases written in another language than the one detected (Hindi in Latin letters taken
    # for English, say) do not count towards the detected language's centre.
    stray = [*exs[:4], Example(en[1], 0, "hi", "functional")]
    far = np.vstack([emb[:4], [[0.0, 0.0, 9.0]]]).astype(np.float32)
    _, shift2, _ = T.lang_centres(en + fr + en[1:], stray, far, min_rows=2)
    np.testing.assert_allclose(shift2, shift, atol=1e-6)
    one = emb[:2]
    names, shift, same = T.lang_centres(en, exs[:2], one, min_rows=2)
    assert names == [] and shift is None and same is one  # one language: nothing to do

    # Trained with centring, the model applies the same shifts when scoring, and keeps them.
    hate = [
        Example(
            t,
            lab,
            "fr" if t.startswith("Les") else "en",
            "functional",
            None,
            {"template": f"t{i % 5}"},
        )
        for i, (t, lab) in enumerate(
            [(f"{g} are vermin and should leave.", 1) for g in ("Jews", "Muslims", "Roma")]
            + [(f"Les {g} sont de la vermine.", 1) for g in ("juifs", "musulmans", "Roms")]
            + [(f"{g} are our friends and neighbours.", 0) for g in ("Jews", "Muslims", "Roma")]
            + [(f"Les {g} sont nos amis.", 0) for g in ("juifs", "musulmans", "Roms")]
        )
    ]
    cfg = replace(CFG, lang_centre=True, min_lang_rows=50)
    m = T.train("hate", hate * 20, featurizer=featurizer, config=cfg, version="centred")
    assert m.centre_langs == ["en", "fr"] and m.centre_shift is not None
    texts = ["Roma are vermin and should leave.", "Les Roms sont nos amis."]
    raw = featurizer(texts)
    shifted = m.head_input(texts, raw, m.emb_width)
    np.testing.assert_allclose(shifted - raw, m.centre_shift, atol=1e-6)
    other = ["Die Roma sind Ungeziefer."]  # German: no centre, left as it is
    np.testing.assert_allclose(m.head_input(other, featurizer(other), m.emb_width),
                               featurizer(other), atol=1e-6)  # fmt: skip
    m.save(tmp_path / "c")
    loaded = StackedModel.load(tmp_path / "c")
    assert loaded.centre_langs == ["en", "fr"]
    np.testing.assert_allclose(
        m.predict_proba(texts, featurizer), loaded.predict_proba(texts, featurizer), atol=1e-2
    )


def test_balanced_threshold_does_not_move_with_the_share_of_positives() -> None:
    from sitroom.nlp.classifiers.model import best_balanced_threshold, best_macro_f1_threshold

    rng = np.random.default_rng(0)
    pos, neg = rng.normal(0.7, 0.15, 400), rng.normal(0.3, 0.15, 400)
    few = np.concatenate([pos[:40], neg])  # 10% positive
    many = np.concatenate([pos, neg[:40]])  # 90% positive
    y_few = np.r_[np.ones(40), np.zeros(400)].astype(int)
    y_many = np.r_[np.ones(400), np.zeros(40)].astype(int)
    b_few, b_many = best_balanced_threshold(few, y_few), best_balanced_threshold(many, y_many)
    assert abs(b_few - b_many) < 0.1 and 0.35 < b_few < 0.65
    m_few, m_many = best_macro_f1_threshold(few, y_few), best_macro_f1_threshold(many, y_many)
    assert m_few - m_many > abs(b_few - b_many)  # macro-F1's threshold follows the share
    with pytest.raises(ValueError, match="threshold_metric"):
        T.train("hate", _toy(), config=TrainConfig(threshold_metric="accuracy"))
    with pytest.raises(ValueError, match="emb_split 2: 1, or 2 with emb_feature 'both'"):
        TrainConfig(emb_split=2)  # halves of the sentence embedding mean nothing
    with pytest.raises(ValueError, match="emb_bag 0: at least one network"):
        TrainConfig(emb_bag=0)
    with pytest.raises(ValueError, match="emb_feature 'top'"):
        TrainConfig(emb_feature="top")
    assert TrainConfig(emb_feature="both", emb_split=2).emb_split == 2


def test_shipped_hate_threshold_comes_from_the_held_out_templates() -> None:
    """heldout_threshold scores the templates the model never trained on with the model
    itself and takes the balanced-accuracy cut: here a stub that ranks them perfectly."""
    _, held = T.functional_examples("hate")
    assert held and {e.label for e in held} == {0, 1}
    texts = {T.clean_for_model(e.text): e.label for e in held}

    class Stub:
        def proba_from(self, cleaned: list[str], emb: np.ndarray) -> np.ndarray:
            assert len(emb) == len(cleaned)
            return np.array([0.25 + 0.2 * texts[c] for c in cleaned])  # hateful 0.45, not 0.25

    class Fz:
        def for_model(self, model: object, cleaned: list[str]) -> np.ndarray:
            return np.zeros((len(cleaned), 1), dtype=np.float32)

    thr = T.heldout_threshold(Stub(), "hate", Fz())  # type: ignore[arg-type]
    assert 0.25 < thr <= 0.45
    assert "hate" in T.HELDOUT_THRESHOLD


def test_hate_training_cases_get_reproducible_copies_with_neutral_hashtags() -> None:
    """A fifth of the functional training cases, hateful and not, get one copy with one to
    three neutral tags, same label, language and template (so the copy stays on its case's
    side of the out-of-fold split); the held-out templates get none, nor does toxicity."""
    from sitroom.nlp.classifiers.augment import NEUTRAL_TAGS, tag_text

    train, held = T.functional_examples("hate")
    again, _ = T.functional_examples("hate")
    assert [e.text for e in train] == [e.text for e in again]
    plain = [e for e in train if "tags" not in e.meta]
    tagged = [e for e in train if e.meta.get("tags") == "neutral"]
    assert 0.15 < len(tagged) / len(plain) < 0.25
    assert {e.label for e in tagged} == {0, 1}
    by_text: dict[tuple[str, str], list[Example]] = {}
    for e in plain:  # a few texts come from two templates
        by_text.setdefault((e.text, e.lang), []).append(e)
    every_tag = {t for tags in NEUTRAL_TAGS.values() for t in tags}
    for copy in tagged:
        words = copy.text.split(" ")
        tags = [w for w in words if w in every_tag]
        assert 1 <= len(tags) <= 3
        original = " ".join(w for w in words if w not in every_tag)
        sources = by_text[(original, copy.lang)]
        assert any(
            (copy.meta["template"], copy.label, copy.target_group)
            == (e.meta["template"], e.label, e.target_group)
            for e in sources
        )
        assert tag_text(original, copy.lang) == copy.text
    assert not any("tags" in e.meta for e in held)
    tox, _ = T.functional_examples("toxicity")
    assert not any("tags" in e.meta for e in tox)


def test_recall_threshold_is_the_highest_cut_keeping_that_share_of_positives() -> None:
    from sitroom.nlp.classifiers.model import recall_threshold

    p = np.array([0.05, 0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.95, 0.85])
    y = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])  # ten positives, 0.1 ... 0.95
    for recall, want in [(1.0, 0.1), (0.9, 0.2), (0.93, 0.1), (0.5, 0.6), (0.05, 0.95)]:
        t = recall_threshold(p, y, recall)
        assert t == want
        assert np.mean(p[y == 1] >= t) >= recall  # at least that share is flagged
    with pytest.raises(ValueError, match="recall"):
        recall_threshold(p, y, 0.0)
    with pytest.raises(ValueError, match="no positive"):
        recall_threshold(p, np.zeros(len(p), dtype=int), 0.9)


def test_malay_is_read_as_indonesian_by_the_models() -> None:
    """py3langid splits the two standards of Malay at random (567 of the 1,412 Indonesian
    training cases read as Malay): the models fold Malay into Indonesian, so both get the
    Indonesian centre (model.LANG_VARIETIES)."""
    from sitroom.nlp.classifiers.model import _detect_lang, detect_langs

    malay = [
        "Aku tak faham kenapa orang peduli sikit pun pasal hidup mereka.",
        "Kerajaan akan mengumumkan keputusan pilihan raya esok pagi.",
    ]
    assert [_detect_lang(t) for t in malay] == ["ms", "ms"]
    assert detect_langs(malay) == ["id", "id"]
    assert detect_langs(["Polling stations open at seven."]) == ["en"]
