"""The instant answer: published fact-checks matching a report, shown at once to the reporter.

The fact-check library lives in another app; this seam imports its selector lazily and
answers [] when it is absent or fails, so an intake never fails because of it. Tests (and
other deployments) can inject a provider with the ``SITROOM_INSTANT_ANSWER_PROVIDER``
Django setting (a dotted path or a callable) or the ``provider`` argument.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

from sitroom.reports import conf

logger = logging.getLogger("sitroom.reports.instant")

Provider = Callable[..., list[Any]]
LOG_EVERY_SECONDS = 60.0
_last_logged = float("-inf")
DEFAULT_PROVIDER = "sitroom.factchecks.selectors.factchecks_matching"
# Concurrent provider calls per process; beyond this a caller gets no answer at once.
POOL_SIZE = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_slots = threading.BoundedSemaphore(POOL_SIZE)


@dataclass(frozen=True)
class InstantAnswer:
    article_id: Any
    title: str
    rating_label: str
    normalised_rating: str
    url: str
    confidence: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "rating_label": self.rating_label,
            "normalised_rating": self.normalised_rating,
            "url": self.url,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


def _resolve(provider: Provider | str | None) -> Provider | None:
    chosen = provider or getattr(settings, "SITROOM_INSTANT_ANSWER_PROVIDER", None)
    chosen = chosen or DEFAULT_PROVIDER
    if callable(chosen):
        return chosen
    try:
        return import_string(chosen)  # type: ignore[no-any-return]
    except ImportError:
        return None


def _answer(match: Any) -> InstantAnswer:
    return InstantAnswer(
        article_id=getattr(match, "article_id", None),
        title=str(getattr(match, "title", "")),
        rating_label=str(getattr(match, "rating_label", "")),
        normalised_rating=str(getattr(match, "normalised_rating", "")),
        url=str(getattr(match, "url", "")),
        confidence=float(getattr(match, "confidence", 0.0) or 0.0),
        reason=str(getattr(match, "reason", "")),
    )


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="instant-answer")
    return _pool


def _log_failure(message: str, *, exc_info: bool = True, level: int = logging.ERROR) -> None:
    # One traceback a minute per process is enough to diagnose; a failure storm must not
    # flood the logs.
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.log(level, message, exc_info=exc_info)


def _call(func: Provider, text: str, language: str | None, limit: int) -> list[InstantAnswer]:
    matches = func(text, language=language or None, limit=limit)
    return [_answer(m) for m in list(matches)[:limit]]


def _call_in_pool(func: Provider, text: str, language: str | None, limit: int) -> list[Any]:
    try:
        return _call(func, text, language, limit)
    finally:
        _slots.release()
        close_old_connections()  # the pool thread's own connection, if the provider used one


def instant_answers_checked(
    text: str,
    *,
    language: str | None = None,
    limit: int = 3,
    provider: Provider | str | None = None,
    timeout_ms: int | None = None,
) -> tuple[list[InstantAnswer], bool]:
    """(answers, complete): complete is False when the provider failed, was busy or too slow
    (so the caller should not cache the empty answer)."""
    if not text.strip():
        return [], True
    func = _resolve(provider)
    if func is None:
        return [], True
    bound = conf.INSTANT_ANSWER_TIMEOUT_MS if timeout_ms is None else timeout_ms
    try:
        if bound <= 0:
            return _call(func, text, language, limit), True
        if not _slots.acquire(blocking=False):
            _log_failure(
                "instant answers: every provider slot is busy; answering without",
                exc_info=False,
                level=logging.WARNING,
            )
            return [], False
        try:
            future = _get_pool().submit(_call_in_pool, func, text, language, limit)
        except BaseException:
            _slots.release()
            raise
        try:
            return future.result(timeout=bound / 1000), True
        except FutureTimeout:
            _log_failure(
                f"instant answer provider took over {bound} ms; answering without it",
                exc_info=False,
                level=logging.WARNING,
            )
            return [], False
    except Exception:
        # Never let the library fail an intake: the report is already safe.
        _log_failure("instant answer provider failed; answering without it")
        return [], False


def instant_answers(
    text: str,
    *,
    language: str | None = None,
    limit: int = 3,
    provider: Provider | str | None = None,
    timeout_ms: int | None = None,
) -> list[InstantAnswer]:
    """Matching published fact-checks, best first; [] when none, absent, failing or slow."""
    answers, _complete = instant_answers_checked(
        text, language=language, limit=limit, provider=provider, timeout_ms=timeout_ms
    )
    return answers
