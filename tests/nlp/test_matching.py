"""Claim matching: engine, persistence, crash recovery and the ``sitroom match`` CLI.

Uses the real bundled embedder on a tiny synthetic corpus; no Django, no timing asserts.
"""

from __future__ import annotations

import io
import itertools
import json
import multiprocessing
from pathlib import Path

import pytest

from sitroom.nlp.embedder import get_embedder
from sitroom.nlp.matching import FactCheckDoc, MatchIndex, match_run
from sitroom.nlp.matching.cli import MatchInputError, main, read_queries
from sitroom.nlp.matching.index import (
    MANIFEST,
    IndexLockedError,
    ReadOnlyIndexError,
    encode_record,
)
from sitroom.nlp.matching.text import clean_text, tokenize

CORPUS = [
    FactCheckDoc(
        "fc-ballots",
        {
            "title": "Were Thousands of Ballots Found in a River in Ohio?",
            "claim": "Thousands of mail-in ballots were found dumped in a river in Ohio.",
        },
        "en",
        {"rating": "false"},
    ),
    FactCheckDoc(
        "fc-voting-machines",
        {
            "title": "Did Voting Machines Switch Votes From One Candidate to Another?",
            "subtitle": "A viral post claims machines flipped votes.",
            "claim": "Voting machines switched millions of votes between candidates.",
        },
        "en",
    ),
    FactCheckDoc(
        "fc-election-date",
        {
            "title": "No, the Election Has Not Been Moved to Wednesday",
            "claim": "Voters of one party must vote on Wednesday instead of Tuesday.",
        },
        "en",
    ),
    FactCheckDoc(
        "fc-dead-voters",
        {
            "title": "Did Dead People Vote in the County Election?",
            "claim": "Hundreds of dead people voted in the county election.",
        },
        "en",
    ),
    FactCheckDoc(
        "fc-vaccine-chip",
        {
            "title": "Do Vaccines Contain Microchips?",
            "claim": "Covid-19 vaccines contain microchips to track people.",
        },
        "en",
    ),
    FactCheckDoc(
        "fc-fr-bureaux",
        {
            "title": "Les bureaux de vote ne ferment pas à midi",
            "claim": "Les bureaux de vote fermeront à midi dimanche.",
        },
        "fr",
    ),
]


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


@pytest.fixture()
def index(tmp_path: Path, embedder):
    with MatchIndex.open(tmp_path / "idx", embedder, durable=False) as idx:
        idx.upsert_many(CORPUS)
        yield idx


def top_id(idx: MatchIndex, text: str) -> str:
    matches = idx.search(text, top=3)
    assert matches, text
    return matches[0].doc_id


def test_text_cleaning_splits_tags_and_drops_links():
    text = "#DefundTheCBChttps://t.co/Cs pic.twitter.com/x @BradTrostCPC says"
    assert clean_text(text) == "Defund The CBC Brad Trost CPC says"
    # A retweet marker is not part of the claim; a handle elsewhere is.
    assert clean_text("RT @Some_One: polls close at 5pm") == "polls close at 5pm"
    assert clean_text("rt @x polls close, says @Some_One") == "polls close, says Some One"
    assert tokenize("The Vaccines contain microchips") == ["vaccine", "contain", "microchip"]


def test_english_match_with_reason_and_confidence(index: MatchIndex):
    matches = index.search("BREAKING: thousands of ballots dumped into an Ohio river!! #Fraud")
    best = matches[0]
    assert best.doc_id == "fc-ballots"
    assert 0.0 <= best.score <= 1.0
    assert best.field in ("title", "subtitle", "claim")
    assert "similarity" in best.reason
    assert best.meta == {"rating": "false"}
    assert all(a.score >= b.score for a, b in itertools.pairwise(matches))


def test_cross_lingual_matches(index: MatchIndex):
    assert top_id(index, "Des milliers de bulletins de vote jetés dans une rivière de l'Ohio") == (
        "fc-ballots"
    )
    assert top_id(index, "Los vacunas contienen microchips para rastrear a la gente") == (
        "fc-vaccine-chip"
    )
    assert top_id(index, "Polling stations will close at noon on Sunday") == "fc-fr-bureaux"


def test_incremental_upsert_edit_and_delete(index: MatchIndex):
    query = "The moon landing was filmed in a Hollywood studio"
    assert top_id(index, query) != "fc-moon"
    generation = index.generation
    index.upsert(
        "fc-moon",
        {
            "title": "Was the Moon Landing Faked in a Studio?",
            "claim": "The moon landing was staged.",
        },
        lang="en",
        meta={"rating": "false"},
    )
    assert top_id(index, query) == "fc-moon"
    assert index.generation == generation  # appended to the log, nothing rebuilt
    # Editing replaces the document instead of duplicating it.
    index.upsert("fc-moon", {"claim": "Bigfoot was seen at the county fair."})
    assert len(index) == len(CORPUS) + 1
    assert index.search("Bigfoot sighting at the county fair")[0].doc_id == "fc-moon"
    assert index.get("fc-moon")["fields"] == {"claim": "Bigfoot was seen at the county fair."}
    assert index.delete("fc-moon") is True
    assert index.delete("fc-moon") is False
    assert "fc-moon" not in index
    assert all(m.doc_id != "fc-moon" for m in index.search("Bigfoot at the county fair"))


def test_persistence_across_reopen_and_compaction(tmp_path: Path, embedder):
    path = tmp_path / "idx"
    with MatchIndex.open(path, embedder, durable=False) as idx:
        idx.upsert_many(CORPUS)
        idx.delete("fc-dead-voters")
    with MatchIndex.open(path, embedder) as idx:
        assert len(idx) == len(CORPUS) - 1
        assert top_id(idx, "dumped ballots found in Ohio river") == "fc-ballots"
        idx.compact()
        assert idx.generation == 1
        idx.upsert("fc-new", {"claim": "The governor banned ice cream on Sundays."})
    with MatchIndex.open(path, embedder) as idx:
        assert len(idx) == len(CORPUS)
        assert "fc-dead-voters" not in idx
        assert top_id(idx, "ice cream banned on Sunday by the governor") == "fc-new"
    assert sorted(p.name for p in path.iterdir()) == [
        MANIFEST,
        "base-000001.seg",
        "log-000001.seg",
        "writer.lock",
    ]


def test_torn_write_is_ignored_by_readers_and_repaired_by_writer(tmp_path: Path, embedder):
    path = tmp_path / "idx"
    with MatchIndex.open(path, embedder, durable=False) as idx:
        idx.upsert_many(CORPUS[:3])
    log_path = path / "log-000000.seg"
    good_size = log_path.stat().st_size
    # A crash in the middle of appending a record leaves half of it on disk.
    record = encode_record({"op": "put", "id": "torn", "fields": {"claim": "x"}, "vf": []}, None)
    with open(log_path, "ab") as fh:
        fh.write(record[: len(record) // 2])
    reader = MatchIndex.open(path, embedder, readonly=True)
    assert len(reader) == 3 and "torn" not in reader
    # A corrupt (bad checksum) tail is treated the same way.
    with open(log_path, "r+b") as fh:
        fh.seek(good_size)
        fh.write(record[:-1] + bytes([record[-1] ^ 0xFF]))
    with MatchIndex.open(path, embedder) as idx:
        assert len(idx) == 3
        assert log_path.stat().st_size == good_size
        idx.upsert("fc-after", {"claim": "A new claim written after the repair."})
    # The reader sees the writer's new record on its next call, without reopening.
    assert "fc-after" in reader
    assert len(reader) == 4


def test_reader_follows_writer_and_compaction(tmp_path: Path, embedder):
    path = tmp_path / "idx"
    writer = MatchIndex.open(path, embedder, durable=False)
    writer.upsert_many(CORPUS[:2])
    reader = MatchIndex.open(path, embedder, readonly=True)
    assert len(reader) == 2
    writer.upsert_many(CORPUS[2:])
    assert top_id(reader, "vaccines have microchips") == "fc-vaccine-chip"
    writer.delete("fc-vaccine-chip")
    writer.compact()
    assert "fc-vaccine-chip" not in reader and len(reader) == len(CORPUS) - 1
    with pytest.raises(ReadOnlyIndexError):
        reader.upsert("x", {"claim": "y"})
    with pytest.raises(IndexLockedError):
        MatchIndex.open(path, embedder)
    writer.close()


def _try_lock(path: str, queue: multiprocessing.Queue) -> None:
    from sitroom.nlp.matching.index import IndexLockedError as Locked

    class _Fake:
        name, version, dim = "multilingual-e5-small-q4", "x", 384

    try:
        MatchIndex.open(path, _Fake())  # type: ignore[arg-type]
        queue.put("opened")
    except Locked:
        queue.put("locked")
    except Exception as exc:
        queue.put(repr(exc))


def test_second_writer_process_is_refused(index: MatchIndex):
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = ctx.Queue()
    proc = ctx.Process(target=_try_lock, args=(str(index.path), queue))
    proc.start()
    proc.join(30)
    assert queue.get(timeout=5) == "locked"


def test_bad_factcheck_rejected(index: MatchIndex):
    with pytest.raises(ValueError):
        index.upsert("empty", {"title": "  "})
    with pytest.raises(ValueError):
        index.upsert("", {"claim": "x"})


# ----------------------------------------------------------------------------------------
# CLI


def write_factchecks(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for doc in CORPUS:
            key = "vclaim" if doc.doc_id != "fc-vaccine-chip" else "claimReviewed"
            row = {"vclaim_id": doc.doc_id, **{k: v for k, v in doc.fields.items()}}
            row[key] = row.pop("claim")
            fh.write(json.dumps(row) + "\n")
        fh.write("\n")
        fh.write(json.dumps({"id": "generic-1", "text": "The sun will not rise tomorrow."}) + "\n")


def test_match_run_writes_trec_run_and_skips_header(tmp_path: Path):
    factchecks = tmp_path / "fc.jsonl"
    write_factchecks(factchecks)
    queries = tmp_path / "q.tsv"
    queries.write_text(
        "iclaim_id\ticlaim\n"
        "q1\tBallots were thrown into a river in Ohio https://t.co/abc\textra\tcolumns\n"
        'q2\t"Vaccines ""contain"" microchips, says @SomeDoctor"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    match_run(factchecks, queries, top=3, out=out)
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert len(lines) == 6
    assert lines[0][:4] == ["q1", "Q0", "fc-ballots", "1"]
    assert lines[3][:4] == ["q2", "Q0", "fc-vaccine-chip", "1"]
    for row in lines:
        assert len(row) == 6 and row[5] == "sitroom" and 0.0 <= float(row[4]) <= 1.0
    assert [int(r[3]) for r in lines] == [1, 2, 3, 1, 2, 3]


def test_clef2020_style_queries_and_tsv_factchecks(tmp_path: Path):
    queries = tmp_path / "tweets.queries.tsv"
    queries.write_text('\ttweet_content\n0\t"a ""quoted"" tweet"\n11\tplain\n', encoding="utf-8")
    assert read_queries(queries) == [("0", 'a "quoted" tweet'), ("11", "plain")]
    factchecks = tmp_path / "verified_claims.docs.tsv"
    factchecks.write_text(
        '\tvclaim\ttitle\n0\t"Ballots were dumped\nin an Ohio river."\tOhio River Ballots\n',
        encoding="utf-8",
    )
    run = tmp_path / "run.tsv"
    assert (
        main(["--factchecks", str(factchecks), "--queries", str(queries), "--out", str(run)]) == 0
    )
    assert run.read_text().splitlines()[0].split("\t")[:3] == ["0", "Q0", "0"]


@pytest.mark.parametrize(
    ("factchecks_text", "queries_text", "message"),
    [
        ('{"vclaim_id": "a", "vclaim": "x"}\n{broken\n', "q\tt\n", "fc.jsonl:2: invalid JSON"),
        ('{"title": "no id"}\n', "q\tt\n", "fc.jsonl:1: no id"),
        ('{"id": "a", "author": "x"}\n', "q\tt\n", "fc.jsonl:1: no text"),
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "q\tt\n", "fc.jsonl:2: dup"),
        ('{"id": "a", "text": "x"}\n', "iclaim_id\ticlaim\nq1 only-one-column\n", "q.tsv:2:"),
        ('{"id": "a", "text": "x"}\n', "q1\tfirst\nq1\tagain\n", "q.tsv:2: duplicate"),
        ('{"id": "a", "text": "x"}\n', "\n", "q.tsv: no queries"),
        # An unclosed quote would swallow q2 and q3 into q1's text.
        ('{"id": "a", "text": "x"}\n', 'q1\t"a truck\nq2\tink\nq3\tx\n', "q.tsv:1: a quote"),
        ('id\ttitle\nf1\t"open\nf2\tsecond\n', "q1\tt\n", "fc.jsonl:2: a quote"),
    ],
)
def test_cli_bad_input_names_file_and_line(
    tmp_path: Path, capsys, monkeypatch, factchecks_text: str, queries_text: str, message: str
):
    (tmp_path / "fc.jsonl").write_text(factchecks_text, encoding="utf-8")
    (tmp_path / "q.tsv").write_text(queries_text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["--factchecks", "fc.jsonl", "--queries", "q.tsv"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_missing_file_is_a_clean_error(tmp_path: Path, capsys):
    code = main(["--factchecks", str(tmp_path / "nope.jsonl"), "--queries", str(tmp_path / "q")])
    assert code == 2
    assert "cannot open" in capsys.readouterr().err


def test_match_input_error_is_value_error():
    assert issubclass(MatchInputError, ValueError)


def test_post_date_prefers_factchecks_published_around_then(tmp_path: Path, embedder):
    claim = {"claim": "The mayor cancelled the city marathon because of a bomb threat."}
    with MatchIndex.open(tmp_path / "idx", embedder, durable=False) as idx:
        idx.upsert_many(
            [
                FactCheckDoc("fc-2019", claim, "en", {"date": "14 March 2019"}),
                FactCheckDoc("fc-2023", claim, "en", {"date": "2023-06-02"}),
            ]
        )
        query = "Marathon cancelled by the mayor after a bomb threat"
        assert top_id_when(idx, query, "2023-06-01") == "fc-2023"
        assert top_id_when(idx, query, "2019-03-10") == "fc-2019"
        # An embedded post's trailing date is used when no date is given.
        assert top_id(idx, f"{query} — Jane Doe (@jdoe) March 12, 2019") == "fc-2019"


def top_id_when(idx: MatchIndex, text: str, when: str) -> str:
    return idx.search(text, top=1, when=when)[0].doc_id


def test_a_batch_of_queries_ranks_as_each_query_alone(index: MatchIndex):
    queries = [
        "BREAKING: thousands of ballots dumped into an Ohio river!! #Fraud",
        "Se necesita pasaporte para votar",
        "nothing to do with any fact-check at all",
        "",
    ] * 20  # more than one chunk of the dense scoring
    together = index.search_many(queries, top=5)
    alone = [index.search(q, top=5) for q in queries]
    assert [[m.doc_id for m in r] for r in together] == [[m.doc_id for m in r] for r in alone]
    for a, b in zip(together, alone, strict=True):
        assert [m.score for m in a] == pytest.approx([m.score for m in b], abs=1e-3)


def test_batched_keyword_features_equal_their_definitions(index: MatchIndex):
    """BM25 and keyword coverage, scored for a batch in sparse products, equal the plain
    per-row definitions (a removed document included: its row is never a candidate)."""
    import math
    from collections import Counter

    from sitroom.nlp.matching.engine import ALL, FEATURES, FIELDS, make_context

    index.search_many(["dead people voted"])  # builds the cached term matrices
    index.delete("fc-dead-voters")  # ... which these changes must renew
    index.upsert_many(  # no claim: its subtitle's terms are its claim terms
        [FactCheckDoc("fc-sub", {"title": "Ohio river", "subtitle": "Ballots in a river"}, "en")]
    )
    core = index._core
    queries = [
        "Thousands of ballots were dumped in a river in Ohio, say voters",
        "Les bureaux de vote ferment à midi ? Une rumeur",
        "dead people voted in the county election",
    ]
    vectors = index.embedder.encode_queries(queries)
    ctxs = [make_context(q, v) for q, v in zip(queries, vectors, strict=True)]
    lexicon = core.bm25[ALL]

    def bm25(field: str, row: int, terms: set[str]) -> float:
        f = core.bm25[field]
        tokens = Counter(
            core.tokens[row].get(field, []) if field != ALL
            else [t for name in FIELDS for t in core.tokens[row].get(name, [])]
        )  # fmt: skip
        avg = f.total_len / f.n_docs
        score = 0.0
        for t in terms:
            if tokens[t]:
                df = f.df[t]
                idf = math.log(1.0 + (f.n_docs - df + 0.5) / (df + 0.5))
                norm = f.k1 * (1.0 - f.b + f.b * sum(tokens.values()) / avg)
                score += idf * tokens[t] * (f.k1 + 1.0) / (tokens[t] + norm)
        return score

    def coverage(doc_terms: frozenset[str], terms: set[str]) -> float:
        mass = sum(lexicon.idf(t) for t in doc_terms)
        return sum(lexicon.idf(t) for t in doc_terms & terms) / mass if mass else 0.0

    for ctx, (cands, x) in zip(ctxs, core.candidate_features_batch(ctxs), strict=True):
        terms = set(ctx.terms)
        assert len(cands) == len(index) and x.shape == (len(cands), len(FEATURES))
        rows = [int(r) for r in cands]
        assert all(core.alive[r] for r in rows)
        best = max(bm25(ALL, r, terms) for r in rows)
        for i, r in enumerate(rows):
            for j, field in enumerate((*FIELDS, ALL)):
                assert x[i, 4 + j] == pytest.approx(bm25(field, r, terms) / best, abs=1e-5)
            title_terms, claim_terms = core.term_sets[r]
            assert x[i, 9] == pytest.approx(coverage(title_terms, terms), abs=1e-5)
            assert x[i, 10] == pytest.approx(coverage(claim_terms, terms), abs=1e-5)
    assert core.term_sets[core.row_of["fc-sub"]][1] == frozenset(tokenize("Ballots in a river"))
