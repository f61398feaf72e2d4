"""The raw bulk helpers store values exactly as the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import timezone

from sitroom.lib.db import bulk_set, insert_ignore, select_in
from sitroom.monitoring.models import DistinctText, LshKey, StepResult

pytestmark = pytest.mark.django_db


def test_bulk_set_writes_json_binary_and_foreign_keys_and_honours_where():
    a = DistinctText.objects.create(exact_key="a", text="a")
    b = DistinctText.objects.create(exact_key="b", text="b", language="fr")
    a.matched_terms = [{"term": "CENI", "kind": "election_body"}]
    a.minhash = b"\x00\x01\xff"
    a.representative_id = b.pk  # type: ignore[attr-defined]
    b.matched_terms = []
    assert bulk_set([a, b], ["matched_terms", "minhash", "representative"]) == 2
    a.refresh_from_db()
    assert a.matched_terms == [{"term": "CENI", "kind": "election_body"}]
    assert bytes(a.minhash) == b"\x00\x01\xff" and a.representative_id == b.pk  # type: ignore[attr-defined]

    # Only rows meeting the condition change.
    a.language = b.language = "sw"
    assert bulk_set([a, b], ["language"], where={"language": "fr"}) == 1
    assert dict(DistinctText.objects.values_list("exact_key", "language")) == {
        "a": "",
        "b": "sw",
    }
    assert bulk_set([], ["language"]) == 0


def test_bulk_set_converts_values_of_another_type_as_the_orm_would():
    # Plain ints and strs skip the ORM's preparation; anything else still goes through it.
    a = DistinctText.objects.create(exact_key="a", text="a")
    b = DistinctText.objects.create(exact_key="b", text="b")
    a.language = 12  # type: ignore[assignment]  # a CharField given an int
    a.representative_id = str(b.pk)  # type: ignore[attr-defined]  # a foreign key given a str
    assert bulk_set([a], ["language", "representative"]) == 1
    row = DistinctText.objects.values("language", "representative_id").get(pk=a.pk)
    assert row == {"language": "12", "representative_id": b.pk}


def test_insert_ignore_skips_rows_that_exist():
    t = DistinctText.objects.create(exact_key="t", text="t")
    insert_ignore(LshKey, ["key", "text_id"], [(1, t.pk), (2, t.pk)])
    insert_ignore(LshKey, ["key", "text_id"], [(2, t.pk), (3, t.pk), (3, t.pk)])
    assert sorted(LshKey.objects.values_list("key", flat=True)) == [1, 2, 3]


def test_insert_ignore_prepares_python_values_as_the_orm_would():
    t = DistinctText.objects.create(exact_key="t", text="t")
    when = timezone.now()
    result = {"label": "yes", "score": 0.75, "evidence": ["route: fr", "ü"]}
    fields = ["text_id", "step", "model_name", "model_version", "result", "created_at"]
    insert_ignore(
        StepResult, fields, [(t.pk, "checkworthy", "m", "v1", result, when)], prepare=True
    )
    # The same key again is skipped, not an error, and does not overwrite.
    insert_ignore(StepResult, fields, [(t.pk, "checkworthy", "m", "v1", {}, when)], prepare=True)
    row = StepResult.objects.get()
    assert row.result == result and row.created_at == when


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a worker writes
def test_insert_ignore_writes_all_rows_or_none():
    t = DistinctText.objects.create(exact_key="t", text="t")
    with pytest.raises(IntegrityError):  # the second row breaks NOT NULL
        insert_ignore(LshKey, ["key", "text_id"], [(1, t.pk), (2, None)])
    assert not LshKey.objects.filter(key=1).exists()


def test_select_in_reads_thousands_of_keys_in_one_query(django_assert_num_queries):
    a = DistinctText.objects.create(exact_key="a", text="a")
    b = DistinctText.objects.create(exact_key="b", text="b")
    keys = list(range(-(2**62), -(2**62) + 40000, 2))  # 63-bit keys, beyond SQLite's 32766
    insert_ignore(LshKey, ["key", "text_id"], [(k, a.pk) for k in keys[:5]])
    insert_ignore(LshKey, ["key", "text_id"], [(2**62, b.pk)])
    with django_assert_num_queries(1):
        found = select_in(LshKey, ["key", "text_id"], "key", [*keys, 2**62, 7])
    assert sorted(found) == sorted([(k, a.pk) for k in keys[:5]] + [(2**62, b.pk)])
    assert select_in(LshKey, ["key"], "key", []) == []
    with pytest.raises(KeyError):
        select_in(LshKey, ["key; DROP TABLE x"], "key", [1])
