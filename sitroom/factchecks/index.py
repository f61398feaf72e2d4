"""Upkeep of the persisted MatchIndex of published fact-checks, and the readers' handle on it.

One index directory (``conf.index_dir()``); the engine allows one writer at a time across
processes (a lock file) and any number of readers, which pick up the writer's changes on their
next search. So this module never keeps a writer open: each update opens it, writes and closes,
and a process that finds the lock taken either gives up (the in-process fast path: the durable
task will do the same work) or waits a little (the task).

Each published article is indexed as one document per language: ``fc-<id>`` for the article's
own language and ``fc-<id>:<lang>`` for each translation, so a report in Swahili meets the
Swahili translation lexically as well as the English original semantically. The main
document's ``meta["variants"]`` lists the translation documents, so they can be removed again
without the engine having to enumerate its contents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sitroom.factchecks import conf
from sitroom.nlp.embedder import get_embedder
from sitroom.nlp.matching import (
    EmbedderMismatchError,
    FactCheckDoc,
    IndexCorruptError,
    IndexLockedError,
    Match,
    MatchIndex,
)
from sitroom.nlp.matching.engine import FloatArray

log = logging.getLogger(__name__)

_readers: dict[Path, MatchIndex] = {}
_readers_lock = threading.Lock()
_writer_lock = threading.Lock()


def main_doc_id(article_id: int) -> str:
    return f"fc-{article_id}"


def variant_doc_id(article_id: int, language: str) -> str:
    return f"fc-{article_id}:{language}"


def article_id_of(doc_id: str) -> int | None:
    head = doc_id.split(":", 1)[0]
    if not head.startswith("fc-"):
        return None
    try:
        return int(head[3:])
    except ValueError:
        return None


@contextmanager
def index_writer(*, wait_seconds: float, rebuilding: bool = False) -> Iterator[MatchIndex]:
    """The index opened for writing, waiting up to ``wait_seconds`` for another writer.

    ``rebuilding``: the caller will index every published article, so an index built with
    another embedder may be emptied first.
    """
    path = conf.index_dir()
    deadline = time.monotonic() + wait_seconds
    with _writer_lock:
        while True:
            try:
                index = MatchIndex.open(path, reset_on_mismatch=rebuilding)
                break
            except IndexLockedError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
        try:
            yield index
        finally:
            index.close()


def _reader() -> MatchIndex | None:
    path = conf.index_dir()
    with _readers_lock:
        index = _readers.get(path)
        if index is not None:
            return index
        try:
            index = MatchIndex.open(path, readonly=True)
        except IndexCorruptError:
            # No index yet (nothing was ever published) or unreadable: nothing to match.
            log.debug("no fact-check index at %s yet", path)
            return None
        except EmbedderMismatchError:
            index = None
        else:
            _readers[path] = index
            return index
    # The embedder changed (SITROOM_EMBEDDER_ENGINE, another model): nothing matches until
    # the index is rebuilt with it, which the worker does (outside the lock: a task may run
    # at once, in this thread).
    _request_rebuild(path)
    return None


REBUILD_REQUEST_SECONDS = 600


def _request_rebuild(path: Path) -> None:
    """Enqueue one rebuild of the index (at most one request per 10 minutes)."""
    from django.core.cache import cache

    if not cache.add(f"sitroom:factchecks:rebuild:{path}", "1", REBUILD_REQUEST_SECONDS):
        return
    from sitroom.factchecks.tasks import factchecks_rebuild_index

    log.warning(
        "fact-check index at %s was built with another embedder: nothing matches until it "
        "is rebuilt; a rebuild was enqueued (or run `sitroom factchecks_reindex`)",
        path,
    )
    factchecks_rebuild_index.enqueue()


def index_search_many(
    texts: Sequence[str], *, top: int, vectors: Sequence[FloatArray | None] | None = None
) -> list[list[Match]]:
    """Search the published fact-checks for each of ``texts``, embedded in one batch (the
    engine refreshes from disk before each search).

    ``vectors``: the texts' query vectors where the caller has them (see
    ``MatchIndex.search_many``); they are ignored if the index uses another embedder.
    """
    if not texts:
        return []
    index = _reader()
    if index is None:
        return [[] for _ in texts]
    shared = get_embedder()
    if vectors is not None and (index.embedder.name, index.embedder.version) != (
        shared.name,
        shared.version,
    ):
        vectors = None
    try:
        return index.search_many(texts, top=top, vectors=vectors)
    except (IndexCorruptError, EmbedderMismatchError, FileNotFoundError):
        log.exception("fact-check index unreadable; reopening on the next search")
        with _readers_lock:
            _readers.pop(conf.index_dir(), None)
        return [[] for _ in texts]


def index_is_empty() -> bool:
    """True while no fact-check is indexed (so there is nothing to match against)."""
    index = _reader()
    if index is None:
        return True
    try:
        index.refresh()
    except (IndexCorruptError, EmbedderMismatchError, FileNotFoundError):
        return False  # let the search report it
    return len(index) == 0


def forget_readers() -> None:
    """Drop cached readers (tests, and after a rebuild in this process)."""
    with _readers_lock:
        _readers.clear()


def article_documents(article: Any) -> list[FactCheckDoc]:
    """The index documents of one published article (see the module docstring)."""
    date = article.published_at.date().isoformat() if article.published_at else None
    base_meta: dict[str, Any] = {"article_id": article.pk, "slug": article.slug}
    if date:
        base_meta["date"] = date
    translations = [t for t in article.translations.all() if t.language != article.language]
    variants = [variant_doc_id(article.pk, t.language) for t in translations]
    docs = [
        FactCheckDoc(
            main_doc_id(article.pk),
            {"title": article.title, "subtitle": article.summary, "claim": article.claim.text},
            article.language or None,
            {**base_meta, "variants": variants},
        )
    ]
    for t in translations:
        fields = {"title": t.title, "subtitle": t.summary, "claim": t.claim_text}
        if not any(v.strip() for v in fields.values()):
            continue
        docs.append(
            FactCheckDoc(variant_doc_id(article.pk, t.language), fields, t.language, base_meta)
        )
    return docs


def _delete_article(index: MatchIndex, article_id: int) -> bool:
    main = main_doc_id(article_id)
    record = index.get(main)
    removed = False
    if record is not None:
        for doc_id in (record.get("meta") or {}).get("variants", []):
            removed = index.delete(doc_id) or removed
        removed = index.delete(main) or removed
    return removed


def apply_article(index: MatchIndex, article: Any | None, article_id: int) -> str:
    """Bring one article's documents in line with the database; returns what was done."""
    if article is None or not article.is_published:
        return "removed" if _delete_article(index, article_id) else "absent"
    docs = article_documents(article)
    old = index.get(main_doc_id(article_id))
    keep = {d.doc_id for d in docs}
    for doc_id in (old or {}).get("meta", {}).get("variants", []) if old else []:
        if doc_id not in keep:
            index.delete(doc_id)
    index.upsert_many(docs)
    return "indexed"


def indexed_doc_ids(index: MatchIndex) -> set[str]:
    """Every document id in the index (the engine has no public listing yet)."""
    listing = getattr(index, "ids", None)
    if callable(listing):
        return set(listing())
    return set(index._core.row_of)
