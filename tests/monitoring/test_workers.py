"""Two real `sitroom worker` processes share the post stream: none processed twice or skipped."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from sitroom.core.models import WorkerHeartbeat
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Post, PostState
from sitroom.monitoring.services import posts_ingest, source_create
from tests.conftest import require_service
from tests.core.test_worker import (
    ROOT,
    _database_url,
    _kill,
    _redis_available,
    _spawn_worker,
    _use_db_backend,
    _wait_for,
)

POSTS = 160
PUSH = 20
WORKER_ENV = {"SITROOM_PIPELINE_BATCH": "8"}


def _texts(n: int) -> list[str]:
    places = ["Kisumu", "Bouaké", "Rosario", "Luanda", "Mombasa", "Sousse", "Korhogo", "Nakuru"]
    return [
        f"Post {i}: queue of {i * 7} voters at the polling station in {places[i % 8]} since {i % 12}am"
        for i in range(n)
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_database_workers_split_the_stream(settings, world):
    _use_db_backend(settings)
    env = {"DATABASE_URL": _database_url(), **WORKER_ENV}
    workers = [_spawn_worker(env), _spawn_worker(env)]
    try:
        _wait_for(lambda: WorkerHeartbeat.objects.count() >= 2, 60, "both workers to start")
        source = source_create(organisation=world.org, name="push", kind="push", enabled=False)
        texts = _texts(POSTS)
        for start in range(0, POSTS, PUSH):  # each push enqueues a pipeline task on commit
            posts_ingest(
                source=source,
                items=[
                    PostIn(external_id=str(i), text=texts[i]) for i in range(start, start + PUSH)
                ],
            )
        _wait_for(
            lambda: Post.objects.filter(state=PostState.DONE).count() == POSTS,
            180,
            "the workers to process every post",
        )
    finally:
        for w in workers:
            _kill(w)
    claims = list(Post.objects.values_list("claims", flat=True))
    assert claims == [1] * POSTS  # each post taken exactly once
    assert Post.objects.values("processed_by").distinct().count() >= 2  # both did some


@pytest.mark.redis
@pytest.mark.slow
def test_two_rq_workers_split_the_stream(tmp_path):
    require_service(_redis_available(), "Redis is not running on 127.0.0.1:6379")
    import redis

    redis_url = "redis://127.0.0.1:6379/14"
    redis.Redis.from_url(redis_url).flushdb()
    db_path = tmp_path / "rq.sqlite3"
    env = {
        "REDIS_URL": redis_url,
        "SITROOM_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{db_path}",
        **WORKER_ENV,
    }
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    subprocess.run(
        [sys.executable, "-m", "sitroom.cli", "migrate", "-v0"], cwd=ROOT, env=base_env, check=True
    )
    workers = [_spawn_worker(env), _spawn_worker(env)]
    script = (
        "from sitroom.accounts.services import organisation_create\n"
        "from sitroom.monitoring.items import PostIn\n"
        "from sitroom.monitoring.services import posts_ingest, source_create\n"
        "from tests.monitoring.test_workers import POSTS, PUSH, _texts\n"
        "org = organisation_create(name='EC', slug='ec', kind='emb')\n"
        "source = source_create(organisation=org, name='push', kind='push', enabled=False)\n"
        "texts = _texts(POSTS)\n"
        "for start in range(0, POSTS, PUSH):\n"
        "    posts_ingest(source=source, items=[PostIn(external_id=str(i), text=texts[i])"
        " for i in range(start, start + PUSH)])\n"
    )

    def counts() -> tuple[int, list[int], int]:
        with sqlite3.connect(db_path) as db:
            done = db.execute("select count(*) from monitoring_post where state='done'").fetchone()[
                0
            ]
            claims = [r[0] for r in db.execute("select claims from monitoring_post order by id")]
            by = db.execute("select count(distinct processed_by) from monitoring_post").fetchone()[
                0
            ]
        return done, claims, by

    try:
        subprocess.run(
            [sys.executable, "-m", "sitroom.cli", "shell", "-c", script],
            cwd=ROOT,
            env=base_env,
            check=True,
            capture_output=True,
        )
        _wait_for(lambda: counts()[0] == POSTS, 180, "the RQ workers to process every post")
    finally:
        for w in workers:
            _kill(w)
    _done, claims, by = counts()
    assert claims == [1] * POSTS
    assert by >= 2
