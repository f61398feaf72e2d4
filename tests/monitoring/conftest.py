from __future__ import annotations

import pytest

from sitroom.monitoring import narratives, pipeline
from sitroom.monitoring.models import Source, WatchTerm
from sitroom.monitoring.services import source_create


@pytest.fixture(autouse=True)
def _fresh_pipeline_state():
    narratives.forget_indexes()
    pipeline.STEPS[:] = pipeline.default_steps()
    yield
    narratives.forget_indexes()
    pipeline.STEPS[:] = pipeline.default_steps()


@pytest.fixture
def push_source(world) -> Source:
    return source_create(organisation=world.org, name="Push", kind="push", enabled=False)


@pytest.fixture
def watchlist(db) -> None:
    for term, kind in [
        ("CENI", "election_body"),
        ("election", "keyword"),
        ("#Uchaguzi2027", "hashtag"),
        ("bulletins", "keyword"),
        ("ballots", "keyword"),
        ("urnas", "keyword"),
        ("Amani Diallo", "candidate"),
    ]:
        WatchTerm.objects.create(term=term, kind=kind)


@pytest.fixture
def scope_all(monkeypatch) -> None:
    """Every distinct text gets the embedding-based steps, relevant or not."""
    from sitroom.monitoring import conf

    monkeypatch.setattr(conf, "PIPELINE_SCOPE", "all")
