"""A persistent, incrementally updated claim-matching index in one directory.

Layout::

    MANIFEST.json      {"format", "generation", "embedder", "embedder_version", "dim",
                        "base", "log"}; replaced atomically (write temp, fsync, rename)
    base-<gen>.seg     compacted snapshot: one "put" record per live fact-check
    log-<gen>.seg      append-only log of "put"/"del" records since that snapshot
    writer.lock        flock()ed by the single writer

Every record is ``MAGIC | u32 length | u32 crc32 | payload`` with payload ``u32 header length |
JSON header | float32 vectors``. A crash can only leave a torn record at the end of the log:
readers stop at the first incomplete or corrupt record, and the writer truncates the log
back to the last good record when it opens the index.

Concurrency: one writer (enforced by the lock file) and any number of readers, in any
process. Readers never lock: on every search they ``stat()`` the manifest and the log; a new
generation means a compaction happened and they reload the snapshot, a longer log means they
apply just the new complete records. So an upsert is visible to the writer at once and to
other processes on their next search.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import struct
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sitroom.nlp.embedder import Embedder, get_embedder
from sitroom.nlp.matching.engine import (
    EngineCore,
    FloatArray,
    Match,
    ScoringModel,
    canonical_fields,
    default_model,
    dense_field_texts,
    make_context,
)
from sitroom.nlp.matching.text import clean_text, parse_day, query_input

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MAGIC = b"SRM1"
_HEAD = struct.Struct("<4sII")
_U32 = struct.Struct("<I")
MANIFEST = "MANIFEST.json"
LOCK = "writer.lock"


class IndexError_(Exception):
    """Base class for index errors (named to avoid shadowing the builtin IndexError)."""


class IndexLockedError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class EmbedderMismatchError(IndexError_):
    pass


class ReadOnlyIndexError(IndexError_):
    pass


@dataclass(frozen=True)
class FactCheckDoc:
    """One fact-check to index. ``fields`` may use any alias in FIELD_ALIASES."""

    doc_id: str
    fields: Mapping[str, str]
    lang: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------
# Record encoding


def encode_record(header: Mapping[str, Any], vectors: FloatArray | None) -> bytes:
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    body = b"" if vectors is None else np.ascontiguousarray(vectors, dtype="<f4").tobytes()
    payload = _U32.pack(len(head)) + head + body
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def iter_records(
    data: bytes | memoryview, start: int, dim: int
) -> Iterator[tuple[int, dict[str, Any], FloatArray]]:
    """Yield ``(end offset, header, vectors)`` up to the first torn or corrupt record."""
    pos = start
    size = len(data)
    while pos + _HEAD.size <= size:
        magic, length, crc = _HEAD.unpack_from(data, pos)
        end = pos + _HEAD.size + length
        if magic != MAGIC or end > size:
            return
        payload = bytes(data[pos + _HEAD.size : end])
        if zlib.crc32(payload) != crc:
            return
        try:
            (head_len,) = _U32.unpack_from(payload, 0)
            header = json.loads(payload[4 : 4 + head_len].decode("utf-8"))
            vecs = np.frombuffer(payload, dtype="<f4", offset=4 + head_len)
            vecs = vecs.reshape(-1, dim) if dim else vecs.reshape(0, 0)
        except (ValueError, UnicodeDecodeError):
            return
        yield end, header, vecs
        pos = end


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


# ----------------------------------------------------------------------------------------
# The index


class MatchIndex:
    """Hybrid (BM25 + dense + learned fusion) fact-check matcher persisted in a directory.

    Open with :meth:`open`. A writer holds an exclusive lock on the directory; readers
    (``readonly=True``) may be many and pick up the writer's changes on their next search.
    """

    #: Compact when tombstoned rows exceed this share of all rows (and at least 1000).
    compact_dead_ratio = 0.25

    def __init__(
        self,
        path: Path,
        embedder: Embedder,
        *,
        readonly: bool,
        durable: bool,
        model: ScoringModel,
    ) -> None:
        self.path = path
        self.embedder = embedder
        self.readonly = readonly
        self.durable = durable
        self.model = model
        self._lock_fh: Any = None
        self._log_fh: Any = None
        self._manifest: dict[str, Any] = {}
        self._manifest_stat: tuple[int, int] = (0, 0)
        self._log_offset = 0
        self._core = EngineCore(embedder.dim)

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        embedder: Embedder | None = None,
        *,
        readonly: bool = False,
        durable: bool = True,
        model: ScoringModel | None = None,
        reset_on_mismatch: bool = False,
    ) -> MatchIndex:
        """Open (creating it if needed and writable) the index stored in ``path``.

        ``durable=False`` skips fsync on each update (bulk loads, tests).
        ``reset_on_mismatch`` (writers only): an index built with another embedder is emptied
        and started again for this one (its vectors cannot be compared with this embedder's),
        so the caller must index every document again; otherwise it raises
        :class:`EmbedderMismatchError`.
        """
        index = cls(
            Path(path),
            embedder or get_embedder(),
            readonly=readonly,
            durable=durable,
            model=model or default_model(),
        )
        if readonly:
            if not (index.path / MANIFEST).exists():
                raise IndexCorruptError(f"{index.path}: no {MANIFEST}; not a match index")
            index._load_with_retry()
        else:
            index.path.mkdir(parents=True, exist_ok=True)
            index._acquire_writer_lock()
            try:
                if not (index.path / MANIFEST).exists():
                    index._initialise()
                try:
                    index._load(repair=True)
                except EmbedderMismatchError:
                    if not reset_on_mismatch:
                        raise
                    index._reset()
                    index._load(repair=True)
                index._remove_stray_files()
                index._log_fh = open(index.path / index._manifest["log"], "ab")
            except BaseException:
                index.close()
                raise
        return index

    def _acquire_writer_lock(self) -> None:
        fh = open(self.path / LOCK, "a+b")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexLockedError(f"{self.path}: another process is writing") from exc
            raise
        self._lock_fh = fh

    def _initialise(self) -> None:
        manifest = self._manifest_for(0, base=None)
        (self.path / manifest["log"]).touch()
        _write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1).encode())

    def _reset(self) -> None:
        """Replace the index with an empty one for this embedder (a new generation, so no
        reader mistakes the old files for the new ones; they are removed as strays)."""
        try:
            previous = json.loads((self.path / MANIFEST).read_bytes())
            generation = int(previous.get("generation", 0)) + 1
            was = f"{previous.get('embedder')} {previous.get('embedder_version')}"
        except (OSError, ValueError, TypeError, AttributeError):
            generation, was = 1, "an unreadable manifest"
        manifest = self._manifest_for(generation, base=None)
        (self.path / manifest["log"]).write_bytes(b"")
        _write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1).encode())
        log.warning(
            "%s: built with %s; emptied for %s %s",
            self.path,
            was,
            self.embedder.name,
            self.embedder.version,
        )

    def _manifest_for(self, generation: int, base: str | None) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "generation": generation,
            "embedder": self.embedder.name,
            "embedder_version": self.embedder.version,
            "dim": self.embedder.dim,
            "base": base,
            "log": f"log-{generation:06d}.seg",
        }

    def _read_manifest(self) -> tuple[dict[str, Any], tuple[int, int]]:
        mpath = self.path / MANIFEST
        with open(mpath, "rb") as fh:
            st = os.fstat(fh.fileno())
            try:
                manifest = json.loads(fh.read())
            except ValueError as exc:
                raise IndexCorruptError(f"{mpath}: unreadable manifest") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexCorruptError(f"{mpath}: unsupported format {manifest.get('format')}")
        if (
            manifest.get("embedder") != self.embedder.name
            or manifest.get("embedder_version") != self.embedder.version
            or manifest.get("dim") != self.embedder.dim
        ):
            raise EmbedderMismatchError(
                f"{self.path} was built with {manifest.get('embedder')} "
                f"{manifest.get('embedder_version')}, not {self.embedder.name} "
                f"{self.embedder.version}; rebuild it from the fact-checks"
            )
        return manifest, (st.st_ino, st.st_mtime_ns)

    def _load_with_retry(self) -> None:
        # A compaction may delete the segments named by the manifest we just read.
        for _ in range(5):
            try:
                self._load(repair=False)
                return
            except FileNotFoundError:
                time.sleep(0.05)
        self._load(repair=False)

    def _load(self, *, repair: bool) -> None:
        manifest, mstat = self._read_manifest()
        core = EngineCore(self.embedder.dim, capacity=1024)
        if manifest.get("base"):
            base = (self.path / manifest["base"]).read_bytes()
            end = self._apply(core, base, 0)
            if end != len(base):
                raise IndexCorruptError(f"{self.path / manifest['base']}: corrupt at byte {end}")
        log_path = self.path / manifest["log"]
        data = log_path.read_bytes()
        end = self._apply(core, data, 0)
        if end != len(data):
            if repair:
                log.warning(
                    "%s: dropping %d bytes of torn/corrupt log tail", log_path, len(data) - end
                )
                with open(log_path, "r+b") as fh:
                    fh.truncate(end)
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                log.debug("%s: incomplete record at %d (writer busy?)", log_path, end)
        with core.lock, self._core.lock:
            self._core = core
            self._manifest = manifest
            self._manifest_stat = mstat
            self._log_offset = end

    def _apply(self, core: EngineCore, data: bytes, start: int) -> int:
        end = start
        for record_end, header, vecs in iter_records(data, start, self.embedder.dim):
            self._apply_one(core, header, vecs)
            end = record_end
        return end

    @staticmethod
    def _apply_one(core: EngineCore, header: dict[str, Any], vecs: FloatArray) -> None:
        if header["op"] == "del":
            core.remove(header["id"])
            return
        fields = header["fields"]
        vf = header.get("vf", [])
        vectors = {f: vecs[i] for i, f in enumerate(vf)}
        core.put(header["id"], fields, vectors, header)

    def _remove_stray_files(self) -> None:
        keep = {MANIFEST, LOCK, self._manifest["log"], self._manifest.get("base")}
        for p in self.path.iterdir():
            if p.name not in keep and (p.suffix in (".seg", ".tmp") or p.name.endswith(".tmp")):
                p.unlink(missing_ok=True)

    # -- reading ---------------------------------------------------------------------

    def refresh(self) -> bool:
        """Pick up another process's changes; returns True if anything changed."""
        if not self.readonly:
            return False
        try:
            st = os.stat(self.path / MANIFEST)
        except FileNotFoundError:
            return False
        if (st.st_ino, st.st_mtime_ns) != self._manifest_stat:
            self._load_with_retry()
            return True
        log_path = self.path / self._manifest["log"]
        try:
            size = os.stat(log_path).st_size
        except FileNotFoundError:
            self._load_with_retry()
            return True
        if size <= self._log_offset:
            return False
        with open(log_path, "rb") as fh:
            fh.seek(self._log_offset)
            data = fh.read(size - self._log_offset)
        with self._core.lock:
            end = self._apply(self._core, data, 0)
            self._log_offset += end
        return end > 0

    def search(
        self, text: str, top: int = 10, min_score: float = 0.0, when: object = None
    ) -> list[Match]:
        """Fact-checks addressing the claim in ``text``, most probable first.

        ``when``: the post's date (date, datetime or ISO string); fact-checks published
        around then are favoured. If omitted, a trailing "Month D, YYYY" in the text is used.
        """
        return self.search_many([text], top=top, min_score=min_score, when=[when])[0]

    def search_many(
        self,
        texts: Iterable[str],
        top: int = 10,
        min_score: float = 0.0,
        when: Sequence[object] | None = None,
        vectors: Sequence[FloatArray | None] | None = None,
    ) -> list[list[Match]]:
        """Like :meth:`search` for several texts, embedding them in one batch.

        ``vectors``: query vectors the caller already has, one per text (or None where it
        has none): ``self.embedder.encode_queries([query_input(text)])[0]``. The monitoring
        pipeline embeds a batch's texts for every step in one call and passes them here, so
        no text is embedded twice.
        """
        texts = list(texts)
        if not texts:
            return []
        given: list[FloatArray | None] = (
            list(vectors) if vectors is not None else [None] * len(texts)
        )
        if len(given) != len(texts):
            raise ValueError(f"{len(given)} vectors for {len(texts)} texts")
        for v in given:
            if v is not None and np.shape(v) != (self.embedder.dim,):
                raise ValueError(
                    f"query vector of shape {np.shape(v)}; this index's embedder gives "
                    f"({self.embedder.dim},)"
                )
        days = [parse_day(w) for w in when] if when is not None else [None] * len(texts)
        self.refresh()
        todo = [i for i, v in enumerate(given) if v is None]
        if todo:
            encoded = self.embedder.encode_queries([query_input(texts[i]) for i in todo])
            for i, v in zip(todo, encoded, strict=True):
                given[i] = v
        ctxs = [
            make_context(text, np.asarray(vec, dtype=np.float32), day)
            for text, vec, day in zip(texts, given, days, strict=True)
        ]
        with self._core.lock:
            return self._core.search_batch(ctxs, self.model, top=top, min_score=min_score)

    def features(self, text: str, when: object = None) -> tuple[list[str], FloatArray]:
        """Candidate ids and their FEATURES rows for ``text`` (used to fit the model)."""
        self.refresh()
        vector = self.embedder.encode_queries([query_input(text)])[0]
        with self._core.lock:
            ctx = make_context(text, vector, parse_day(when))
            rows, x = self._core.candidate_features(ctx)
            return [self._core.doc_ids[r] for r in rows], x

    def __len__(self) -> int:
        self.refresh()
        return len(self._core)

    def __contains__(self, doc_id: object) -> bool:
        self.refresh()
        return doc_id in self._core.row_of

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The stored record (fields, lang, meta) of a fact-check, or None."""
        self.refresh()
        row = self._core.row_of.get(doc_id)
        if row is None:
            return None
        rec = self._core.records[row] or {}
        return {"fields": rec.get("fields", {}), "lang": rec.get("lang"), "meta": rec.get("meta")}

    @property
    def generation(self) -> int:
        return int(self._manifest.get("generation", 0))

    # -- writing ---------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.readonly or self._log_fh is None:
            raise ReadOnlyIndexError(f"{self.path} is open read-only (or closed)")

    def upsert(
        self,
        doc_id: str,
        fields: Mapping[str, str],
        lang: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Add or replace one fact-check; matchable as soon as this returns."""
        self.upsert_many([FactCheckDoc(doc_id, fields, lang, meta or {})])

    def upsert_many(self, docs: Iterable[FactCheckDoc], batch_size: int = 512) -> int:
        """Add or replace many fact-checks, embedding them in batches; returns the count."""
        self._check_writable()
        count = 0
        batch: list[FactCheckDoc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                count += self._upsert_batch(batch)
                batch = []
        if batch:
            count += self._upsert_batch(batch)
        self._maybe_compact()
        return count

    def _upsert_batch(self, docs: list[FactCheckDoc]) -> int:
        prepared: list[tuple[FactCheckDoc, dict[str, str]]] = []
        for doc in docs:
            if not isinstance(doc.doc_id, str) or not doc.doc_id:
                raise ValueError(f"doc_id must be a non-empty string, got {doc.doc_id!r}")
            fields = {f: clean_text(v) for f, v in canonical_fields(doc.fields).items()}
            fields = {f: v for f, v in fields.items() if v}
            if not fields:
                raise ValueError(f"fact-check {doc.doc_id!r} has no title, subtitle or claim")
            prepared.append((doc, fields))

        # Reuse vectors of unchanged texts (metadata-only edits cost no encoding).
        core = self._core
        todo: list[str] = []
        known: dict[tuple[str, str], FloatArray] = {}
        dense_texts: list[dict[str, str]] = []
        for doc, fields in prepared:
            texts = dense_field_texts(fields)
            dense_texts.append(texts)
            row = core.row_of.get(doc.doc_id)
            old = (core.records[row] or {}).get("fields", {}) if row is not None else {}
            old_texts = dense_field_texts(old) if row is not None else {}
            for f, text in texts.items():
                if row is not None and old_texts.get(f) == text and core.has_field[f][row]:
                    known[(doc.doc_id, f)] = core.vectors[f][row].copy()
                else:
                    todo.append(text)
        encoded: dict[str, FloatArray] = {}
        if todo:
            unique = list(dict.fromkeys(todo))
            encoded = dict(zip(unique, self.embedder.encode_passages(unique)))

        blobs = []
        headers = []
        for (doc, fields), texts in zip(prepared, dense_texts):
            vf = list(texts)
            vecs = np.vstack(
                [
                    known[(doc.doc_id, f)] if (doc.doc_id, f) in known else encoded[texts[f]]
                    for f in vf
                ]
            )
            header = {
                "op": "put",
                "id": doc.doc_id,
                "fields": fields,
                "lang": doc.lang,
                "meta": dict(doc.meta),
                "vf": vf,
                "ts": time.time(),
            }
            headers.append((header, vecs))
            blobs.append(encode_record(header, vecs))
        self._append(b"".join(blobs))
        with core.lock:
            for header, vecs in headers:
                self._apply_one(core, header, vecs)
        return len(prepared)

    def delete(self, doc_id: str) -> bool:
        """Remove a fact-check; returns False if it was not indexed."""
        self._check_writable()
        if doc_id not in self._core.row_of:
            return False
        self._append(encode_record({"op": "del", "id": doc_id, "ts": time.time()}, None))
        with self._core.lock:
            self._core.remove(doc_id)
        self._maybe_compact()
        return True

    def _append(self, data: bytes) -> None:
        fh = self._log_fh
        fh.write(data)
        fh.flush()
        if self.durable:
            os.fsync(fh.fileno())
        self._log_offset += len(data)

    def _maybe_compact(self) -> None:
        core = self._core
        dead = core.dead_rows
        if dead >= 1000 and dead > self.compact_dead_ratio * core.n_rows:
            self.compact()

    def compact(self) -> None:
        """Rewrite live fact-checks into a new snapshot and start an empty log."""
        self._check_writable()
        core = self._core
        generation = self.generation + 1
        manifest = self._manifest_for(generation, base=f"base-{generation:06d}.seg")
        parts = []
        with core.lock:
            for row in core.row_of.values():
                header = dict(core.records[row] or {})
                vf = header.get("vf", [])
                vecs = np.vstack([core.vectors[f][row] for f in vf])
                parts.append(encode_record(header, vecs))
        base_path = self.path / manifest["base"]
        tmp = base_path.with_name(base_path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(b"".join(parts))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, base_path)
        (self.path / manifest["log"]).touch()
        _write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1).encode())
        old = self._manifest
        self._log_fh.close()
        self._log_fh = None
        self._load(repair=True)
        self._log_fh = open(self.path / self._manifest["log"], "ab")
        for name in (old.get("base"), old.get("log")):
            if name:
                (self.path / name).unlink(missing_ok=True)

    def close(self) -> None:
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> MatchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
