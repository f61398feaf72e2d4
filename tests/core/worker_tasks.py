"""Tasks used by the worker tests (imported by worker subprocesses too)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sitroom.lib.tasks import durable_task


@durable_task()
def slow_marker(path: str) -> str:
    """First run: record 'started' and hang (to be killed). Later runs: finish at once."""
    marker = Path(path)
    runs = marker.read_text().splitlines() if marker.exists() else []
    with marker.open("a") as f:
        f.write(f"started {os.getpid()}\n")
    if not runs:
        time.sleep(120)
    with marker.open("a") as f:
        f.write("done\n")
    return "ok"


@durable_task()
def flaky(path: str, failures: int) -> str:
    """Fails ``failures`` times, then succeeds; counts attempts in a file."""
    marker = Path(path)
    attempts = len(marker.read_text().splitlines()) + 1 if marker.exists() else 1
    with marker.open("a") as f:
        f.write("attempt\n")
    if attempts <= failures:
        raise RuntimeError(f"failure {attempts}")
    return f"succeeded on attempt {attempts}"
