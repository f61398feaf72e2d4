"""Fixed-window rate limits, keyed by channel and a hashed sender.

With a shared cache server (Redis, Memcached) the counter lives in the cache (add + incr).
When the configured cache is Django's database cache, the counter is one row upserted with
a single statement instead: exact under concurrency and one round trip, where the database
cache needs five queries per request and can lose counts.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from sitroom.reports import conf
from sitroom.reports.models import RateCounter

# Share of requests that also delete expired counters (keeps the table small without a job).
PURGE_PROBABILITY = 0.002


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def _count_in_cache(key: str, timeout: int) -> int:
    cache = caches[conf.RATE_LIMIT_CACHE]
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def _count_in_database(key: str, expires: int) -> int:
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    columns = f"{q('key')}, {q('hits')}, {q('expires_at')}"
    upsert = (
        f"ON CONFLICT ({q('key')}) DO UPDATE SET {q('hits')} = {table}.{q('hits')} + 1 "
        f"RETURNING {q('hits')}"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # One round trip, and no wait for the WAL flush: a count lost in a power cut is
        # harmless. set_config(..., true) lasts until this statement's implicit commit (so
        # never inside someone else's transaction).
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT %s, 1, %s "  # noqa: S608 - names from the model
            f"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit "
            f"{upsert}"
        )
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, 1, %s) {upsert}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, expires_at])
        row = cursor.fetchone()
    if random.random() < PURGE_PROBABILITY:
        RateCounter.objects.filter(expires_at__lt=datetime.now(tz=UTC)).delete()
    return int(row[0])


def rate_limit_hit(*, bucket: str, sender_hash: str) -> Verdict:
    """Count one request for (bucket, sender); refuse past the configured limit."""
    limit = conf.RATE_LIMITS.get(bucket)
    if limit is None:
        return Verdict(True)
    now = int(time.time())
    window = now // limit.seconds
    window_end = (window + 1) * limit.seconds
    key = f"rl:{bucket}:{sender_hash}:{window}"
    if isinstance(caches[conf.RATE_LIMIT_CACHE], DatabaseCache):
        count = _count_in_database(key, window_end)
    else:
        count = _count_in_cache("sitroom:" + key, limit.seconds + 5)
    if count > limit.requests:
        return Verdict(False, retry_after=max(1, window_end - now))
    return Verdict(True)
