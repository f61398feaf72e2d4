"""Who is acting, carried through a request, a task or a command without threading it by hand."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    user_id: int | None = None
    label: str = ""
    ip_hash: str = ""
    channel: str = ""


_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar(
    "sitroom_actor",
    default=ActorContext(channel="system"),  # noqa: B039 - frozen, so never mutated
)


def current_actor() -> ActorContext:
    return _current.get()


@contextmanager
def acting_as(actor: ActorContext) -> Iterator[None]:
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)
