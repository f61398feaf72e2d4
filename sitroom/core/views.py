from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sitroom.core.workers import live_worker_ids


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def _check_queue() -> str:
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        return "ok"
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()
    return "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers and the task queue is reachable."""
    started = time.monotonic()
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
        healthy = False
    try:
        checks["queue"] = _check_queue()
    except Exception as exc:
        checks["queue"] = f"error: {type(exc).__name__}"
        healthy = False
    if not settings.REDIS_URL and healthy:
        # Informational: a queue with no live worker still accepts work, it just waits.
        checks["workers"] = str(len(live_worker_ids()))
    body = {
        "status": "ok" if healthy else "error",
        "checks": checks,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
