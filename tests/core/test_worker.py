"""Background work: retries, and no task lost when a worker is killed mid-task."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import require_service
from tests.core.worker_tasks import flaky, slow_marker

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def _spawn_worker(env_extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SITROOM_WORKER_HEARTBEAT_SECONDS": "1",
        "SITROOM_WORKER_STALE_SECONDS": "3",
        **env_extra,
    }
    # Own session: killing the group takes any forked work-horse down with the worker.
    return subprocess.Popen(
        [sys.executable, "-m", "sitroom.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _use_db_backend(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.mark.django_db(transaction=True)
def test_failed_task_is_retried_with_backoff(settings, tmp_path):
    from django.core.management import call_command

    _use_db_backend(settings)
    marker = tmp_path / "flaky"
    flaky.enqueue(str(marker), 1)
    call_command("worker", burst=True, interval=0.1)
    results = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.status for r in results] == [TaskResultStatus.FAILED, TaskResultStatus.READY]
    retry = results[1]
    assert retry.args_kwargs["kwargs"]["_attempt"] == 2
    assert retry.run_after > timezone.now()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    call_command("worker", burst=True, interval=0.1)
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert retry.return_value == "succeeded on attempt 2"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_task_of_killed_database_worker_completes_on_another(settings, tmp_path):
    _use_db_backend(settings)
    marker = tmp_path / "marker"
    result = slow_marker.enqueue(str(marker))
    env = {"DATABASE_URL": _database_url()}
    env.pop("REDIS_URL", None)
    first = _spawn_worker(env)
    second = None
    try:
        _wait_for(
            lambda: marker.exists() and "started" in marker.read_text(),
            60,
            "the first worker to start the task",
        )
        _kill(first)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.RUNNING  # held by a dead worker
        second = _spawn_worker(env)
        _wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            60,
            "the second worker to finish the task",
        )
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
    row = DBTaskResult.objects.get(pk=result.id)
    assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
    assert marker.read_text().count("started") == 2 and marker.read_text().endswith("done\n")


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.redis
@pytest.mark.slow
def test_task_of_killed_rq_worker_completes_on_another(tmp_path):
    """Distributed mode: two `sitroom worker` processes on Redis; one dies mid-task."""
    require_service(_redis_available(), "Redis is not running on 127.0.0.1:6379")
    import redis

    redis_url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(redis_url).flushdb()
    data_dir = tmp_path / "data"
    env = {
        "REDIS_URL": redis_url,
        "SITROOM_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rq.sqlite3'}",
    }
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    subprocess.run(
        [sys.executable, "-m", "sitroom.cli", "migrate", "-v0"], cwd=ROOT, env=base_env, check=True
    )
    marker = tmp_path / "marker"
    enqueue = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitroom.cli",
            "shell",
            "-c",
            "from tests.core.worker_tasks import slow_marker; "
            f"print(slow_marker.enqueue({str(marker)!r}).id)",
        ],
        cwd=ROOT,
        env=base_env,
        check=True,
        capture_output=True,
        text=True,
    )
    job_id = enqueue.stdout.strip().splitlines()[-1]
    first = _spawn_worker(env)
    second = None
    try:
        _wait_for(
            lambda: marker.exists() and "started" in marker.read_text(),
            60,
            "the first RQ worker to start the task",
        )
        # RQ runs the job in a forked work-horse in a session of its own: kill it as well,
        # as a machine that dies would.
        horse_pid = int(marker.read_text().split()[1])
        _kill(first)
        os.kill(horse_pid, signal.SIGKILL)
        second = _spawn_worker(env)
        # RQ notices the abandoned job when its execution heartbeat lapses (~60 s).
        _wait_for(
            lambda: marker.read_text().endswith("done\n"),
            180,
            "the second RQ worker to finish the abandoned task",
        )
        from rq.job import Job

        conn = redis.Redis.from_url(redis_url)
        _wait_for(
            lambda: Job.fetch(job_id, connection=conn).get_status() == "finished",
            30,
            "the job to be marked finished",
        )
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
    assert marker.read_text().count("started") == 2
