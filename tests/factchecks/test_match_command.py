"""`sitroom match`: the live engine on files, a TREC run out, no database needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

FACTCHECKS = [
    {
        "vclaim_id": "fc-date",
        "title": "The election has not been moved to Wednesday",
        "vclaim": "Voters of one party must vote on Wednesday.",
    },
    {
        "vclaim_id": "fc-ink",
        "title": "Election ink does not wash off",
        "vclaim": "Election ink can be removed with vinegar.",
    },
    {
        "vclaim_id": "fc-passport",
        "title": "No passport needed to vote",
        "vclaim": "You need a passport to vote.",
    },
]
QUERIES = "id\ttext\nq1\tLes électeurs d'un parti votent mercredi\nq2\tvinegar removes the ink\n"


@pytest.fixture
def files(tmp_path):
    fc = tmp_path / "factchecks.jsonl"
    fc.write_text("\n".join(json.dumps(x) for x in FACTCHECKS))
    q = tmp_path / "queries.tsv"
    q.write_text(QUERIES)
    return fc, q


def test_match_writes_a_trec_run(files, tmp_path):
    fc, q = files
    out = tmp_path / "run.tsv"
    call_command("match", factchecks=str(fc), queries=str(q), top=2, out=str(out))
    lines = [line.split("\t") for line in out.read_text().splitlines()]
    assert len(lines) == 4
    for qid, q0, doc, rank, score, tag in lines:
        assert qid in {"q1", "q2"} and q0 == "Q0" and tag == "sitroom"
        assert doc in {"fc-date", "fc-ink", "fc-passport"} and rank in {"1", "2"}
        assert 0.0 <= float(score) <= 1.0
    best = {row[0]: row[2] for row in lines if row[3] == "1"}
    assert best == {"q1": "fc-date", "q2": "fc-ink"}


def test_bad_input_fails_with_a_clear_message(files, tmp_path):
    fc, _q = files
    bad = tmp_path / "bad.tsv"
    bad.write_text("q1 no tab here\n")
    with pytest.raises(CommandError, match=r"bad\.tsv:1: expected 'id<TAB>text'") as exc:
        call_command("match", factchecks=str(fc), queries=str(bad), top=2)
    assert exc.value.returncode == 2
    with pytest.raises(CommandError, match="cannot open"):
        call_command("match", factchecks=str(fc), queries=str(tmp_path / "missing.tsv"))


def test_command_needs_no_database(files, tmp_path):
    """A fresh data directory (no database, no migrations): the command still runs."""
    fc, q = files
    env = {**os.environ, "SITROOM_DATA_DIR": str(tmp_path / "empty")}
    sitroom = [sys.executable, "-m", "sitroom.cli"]
    done = subprocess.run(
        [*sitroom, "match", "--factchecks", str(fc), "--queries", str(q), "--top", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("q1\tQ0\tfc-date\t1\t")
    assert not (tmp_path / "empty" / "sitroom.sqlite3").exists()
    failed = subprocess.run(
        [*sitroom, "match", "--factchecks", str(fc), "--queries", str(tmp_path / "nope.tsv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert failed.returncode == 2 and "nope.tsv: cannot open" in failed.stderr
