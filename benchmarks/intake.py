"""Benchmark the public intake API through gunicorn on PostgreSQL, against a floor.

    python benchmarks/intake.py [--duration 20] [--concurrency 24] [--workers 2 --threads 4]
                                [--pg postgresql://postgres@127.0.0.1:5432] [--baseline floor]

What it does:
1. creates a fresh database ``sitroom_bench_<pid>`` on the PostgreSQL server, migrates it
   (and creates the cache table), with the intake rate limits raised for the run;
2. starts gunicorn on a free loopback port (default 2 gthread workers x 4 threads, for 2
   cores: on this benchmark one worker per core beat two, 3.5-3.9 ms of CPU per report
   against 4.0-5.0 ms and a lower p99);
3. from this (second) process, ``--concurrency`` threads with keep-alive connections POST
   reports to /api/v1/reports as JSON (unique multilingual texts, half with a URL) for
   ``--duration`` seconds after a short warm-up, and record each latency;
   Each request carries X-Forwarded-For from a pool of ``--senders`` addresses (gunicorn is
   told to trust one proxy hop), as a national intake sees many citizens, not one client;
4. prints reports/s, p50/p95/p99, acknowledged (201 with a code), stored (rows in
   reports_report, counted in the database: must equal acknowledged) and errors, and the
   CPU time gunicorn and the PostgreSQL backends spent per request (read from /proc), which
   says what 2 cores would sustain for the server alone on a machine shared with others;
5. runs the same load against the baseline it competes with, and drops the database.

Baselines (``--baseline``): ``floor`` (default) is a minimal Django view behind the same
middleware that parses the JSON body and INSERTs one row in one transaction -- the least any
intake must do; ``healthz`` is GET /healthz (one SELECT 1 and a queue check, no write).
Loopback only; every loop is bounded by the duration. The load generator shares the 2 cores
with gunicorn and PostgreSQL, so the figures are a lower bound for a dedicated server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

TEXTS = [
    "Voting in {r} has been moved to Thursday, the commission said on the radio ({n}).",
    "Le vote est reporté à jeudi à {r} à cause des pluies, ne vous déplacez pas ({n}).",
    "Dicen que en {r} se puede votar por WhatsApp enviando una foto del documento ({n}).",
    "Estão dizendo que em {r} quem não votou na última eleição não poderá votar ({n}).",
    "Ujumbe unasema kura zimeahirishwa hadi kesho huko {r} kwa sababu ya mvua ({n}).",
    "رسالة منتشرة تقول إن التصويت في {r} سيكون عبر الإنترنت فقط هذه السنة ({n}).",
]
REGIONS = ["abidjan", "lagunes", "savanes", "montagnes", "zanzan", "diaspora"]
CATEGORIES = ["electoral_process", "hate_speech", "incitement", "manipulated_media", "other"]

BENCH_SETTINGS = """
from sitroom.settings import *  # noqa: F401,F403
ROOT_URLCONF = "bench_urls"
"""
# Load the app, its URLs and the language model once in the master, before forking, as a
# production gunicorn should (--preload): workers then answer their first request at once.
GUNICORN_CONF = """
def on_starting(server):
    import django

    django.setup()
    from django.urls import get_resolver

    get_resolver().url_patterns
    from sitroom.reports.language import warm_up

    warm_up()
"""
BENCH_URLS = '''
import json
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def floor(request):
    """The floor: parse the JSON body and insert one row in one transaction."""
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", [body.get("text", "")]
        )
        row_id = cursor.fetchone()[0]
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/floor", floor), path("", include("sitroom.urls"))]
'''


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    acknowledged: int = 0  # every 2xx with a code, warm-up included (compare with stored)
    codes: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)
    stored: int = -1
    # CPU seconds of gunicorn and of the PostgreSQL backends (warm-up included)
    server_cpu: dict[str, float] = field(default_factory=dict)
    client_cpu: float = 0.0

    def cpu_line(self) -> str:
        if not self.server_cpu or not self.acknowledged:
            return ""
        gunicorn = self.server_cpu["gunicorn"] / self.acknowledged * 1000
        postgres = self.server_cpu["postgres"] / self.acknowledged * 1000
        per = gunicorn + postgres
        return (
            f"{self.name:<28} server CPU {per:.2f} ms per request (gunicorn {gunicorn:.2f} + "
            f"PostgreSQL {postgres:.2f}), "
            f"client {self.client_cpu / self.acknowledged * 1000:.2f} ms -> "
            f"{2000 / per:.0f}/s if 2 cores were the server's alone"
        )

    def line(self) -> str:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

        rate = len(lat) / self.seconds if self.seconds else 0
        err = sum(self.errors.values())
        stored = "-" if self.stored < 0 else str(self.stored)
        return (
            f"{self.name:<28} {rate:>8.1f}/s  p50 {pct(0.50):>7.1f} ms  p95 {pct(0.95):>7.1f} ms  "
            f"p99 {pct(0.99):>7.1f} ms  acked {self.acknowledged:>6}  stored {stored:>6}  "
            f"errors {err}{' ' + json.dumps(self.errors) if err else ''}"
        )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def server_cpu(gunicorn_pgid: int, dbname: str) -> dict[tuple[str, int], float]:
    """CPU seconds so far of gunicorn's processes and of PostgreSQL's backends for the db."""
    found: dict[tuple[str, int], float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            pgid = os.getpgid(pid)
        except (OSError, ProcessLookupError):
            continue
        if pgid == gunicorn_pgid:
            found[("gunicorn", pid)] = _cpu_of(pid)
        elif cmdline.startswith("postgres:") and f" {dbname} " in cmdline:
            found[("postgres", pid)] = _cpu_of(pid)
    return found


def cpu_delta(
    before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]
) -> dict[str, float]:
    totals = {"gunicorn": 0.0, "postgres": 0.0}
    for key, value in after.items():
        totals[key[0]] += value - before.get(key, 0.0)
    return totals


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy in time")


def payload(counter: int, rng: random.Random) -> bytes:
    template = TEXTS[counter % len(TEXTS)]
    region = REGIONS[counter % len(REGIONS)]
    body: dict[str, object] = {
        "category": CATEGORIES[counter % len(CATEGORIES)],
        "text": template.format(r=region.capitalize(), n=f"{counter}-{rng.getrandbits(40):x}"),
        "region": region,
    }
    if counter % 2:
        body["urls"] = [f"https://www.facebook.com/story.php?story_fbid={counter}&id=42&fbclid=x"]
    return json.dumps(body).encode()


def run_load(
    name: str,
    port: int,
    *,
    method: str,
    path: str,
    duration: float,
    concurrency: int,
    warmup: float,
    expect: int,
    senders: int = 0,
) -> Result:
    stop_at = [0.0]
    measure_from = [0.0]
    lock = threading.Lock()
    result = Result(name=name, seconds=duration)
    counter = iter(range(10**9))

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local_lat: list[float] = []
        local_codes: set[str] = set()
        local_errors: dict[str, int] = {}
        local_acks = 0
        while True:
            now = time.monotonic()
            if now >= stop_at[0]:
                break
            with lock:
                n = next(counter)
            body = payload(n, rng) if method == "POST" else None
            headers = {"Content-Type": "application/json"} if body else {}
            if senders:
                # Citizens come from many addresses (a reverse proxy passes them on).
                a = n % senders
                headers["X-Forwarded-For"] = f"10.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"
            started = time.monotonic()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, data = -1, type(exc).__name__.encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.monotonic() - started
            if status == expect:
                local_acks += 1  # every acknowledgement, warm-up included
                if path == "/api/v1/reports":
                    local_codes.add(json.loads(data)["code"])
            if started < measure_from[0]:
                continue  # warm-up: the language model and connections load here
            if status == expect:
                local_lat.append(elapsed)
            else:
                key = str(status)
                local_errors[key] = local_errors.get(key, 0) + 1
        conn.close()
        with lock:
            result.latencies.extend(local_lat)
            result.codes |= local_codes
            result.acknowledged += local_acks
            for k, v in local_errors.items():
                result.errors[k] = result.errors.get(k, 0) + v

    start = time.monotonic()
    measure_from[0] = start + warmup
    stop_at[0] = start + warmup + duration
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=warmup + duration + 60)
    if path == "/api/v1/reports" and len(result.codes) != result.acknowledged:
        result.errors["same code twice"] = result.acknowledged - len(result.codes)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--baseline", choices=["floor", "healthz", "both", "none"], default="floor")
    parser.add_argument(
        "--senders",
        type=int,
        default=5000,
        help="distinct client addresses sent as X-Forwarded-For (0: all from 127.0.0.1)",
    )
    args = parser.parse_args()
    if not (1 <= args.concurrency <= 256 and 0 < args.duration <= 600):
        raise SystemExit("concurrency 1..256 and duration up to 600 s")

    dbname = f"sitroom_bench_{os.getpid()}"
    admin = psycopg.connect(f"{args.pg}/postgres", autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{dbname}"')
    workdir = Path(tempfile.mkdtemp(prefix="sitroom-bench-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        (workdir / "bench_settings.py").write_text(BENCH_SETTINGS)
        (workdir / "bench_urls.py").write_text(BENCH_URLS)
        (workdir / "gunicorn_conf.py").write_text(GUNICORN_CONF)
        env = {
            **os.environ,
            "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DATABASE_URL": f"{args.pg}/{dbname}",
            "SITROOM_DATA_DIR": str(workdir / "data"),
            "SECRET_KEY": "bench-" + "x" * 40,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "SITROOM_REPORT_RATE_LIMITS": "api=1000000000/3600,web=1000000000/3600",
            "SITROOM_REQUIRE_2FA_ROLES": "none",
            "SITROOM_TRUSTED_PROXY_COUNT": "1" if args.senders else "0",
        }
        env.pop("REDIS_URL", None)
        django_admin = [PYTHON, "-m", "django"]
        subprocess.run(
            [*django_admin, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT
        )
        subprocess.run([*django_admin, "createcachetable"], env=env, check=True, cwd=ROOT)
        with psycopg.connect(f"{args.pg}/{dbname}", autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            )
        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "sitroom.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--worker-class",
                "gthread",
                "--keep-alive",
                "30",
                "--backlog",
                "512",
                "--log-level",
                "warning",
                "--preload",
                "--config",
                str(workdir / "gunicorn_conf.py"),
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        wait_for(port)
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads on 127.0.0.1:{port}; "
            f"PostgreSQL db {dbname}; {args.concurrency} client threads (keep-alive) in a "
            f"second process; {args.warmup:.0f} s warm-up + {args.duration:.0f} s measured; "
            f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results = []
        cpu_before, client_before = server_cpu(server.pid, dbname), os.times()
        intake = run_load(
            "POST /api/v1/reports",
            port,
            method="POST",
            path="/api/v1/reports",
            duration=args.duration,
            concurrency=args.concurrency,
            warmup=args.warmup,
            expect=201,
            senders=args.senders,
        )
        intake.server_cpu = cpu_delta(cpu_before, server_cpu(server.pid, dbname))
        intake.client_cpu = sum(os.times()[:2]) - sum(client_before[:2])
        with psycopg.connect(f"{args.pg}/{dbname}") as conn:
            intake.stored = conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]  # type: ignore[index]
            queued = conn.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult"
            ).fetchone()[0]  # type: ignore[index]
            audited = conn.execute(
                "SELECT count(*) FROM audit_auditevent WHERE action = 'report.submit'"
            ).fetchone()[0]  # type: ignore[index]
        results.append(intake)
        if args.baseline in ("floor", "both"):
            cpu_before, client_before = server_cpu(server.pid, dbname), os.times()
            floor = run_load(
                "floor: 1-row INSERT view",
                port,
                method="POST",
                path="/bench/floor",
                duration=args.duration,
                concurrency=args.concurrency,
                warmup=args.warmup,
                expect=201,
            )
            floor.server_cpu = cpu_delta(cpu_before, server_cpu(server.pid, dbname))
            floor.client_cpu = sum(os.times()[:2]) - sum(client_before[:2])
            with psycopg.connect(f"{args.pg}/{dbname}") as conn:
                floor.stored = conn.execute("SELECT count(*) FROM bench_floor").fetchone()[0]  # type: ignore[index]
            results.append(floor)
        if args.baseline in ("healthz", "both"):
            results.append(
                run_load(
                    "GET /healthz",
                    port,
                    method="GET",
                    path="/healthz",
                    duration=args.duration,
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    expect=200,
                )
            )
        print()
        for r in results:
            print(r.line())
        print()
        for r in results:
            if r.cpu_line():
                print(r.cpu_line())
        print(
            f"\nacked/stored count the warm-up too; rates and latencies only the measured "
            f"{args.duration:.0f} s. intake: {args.senders or 1} distinct sender addresses, "
            f"{queued} routing tasks queued, {audited} audit events; every acknowledged "
            f"code is in the database: "
            f"{_all_stored(args.pg, dbname, intake.codes)}; load average after "
            f"{os.getloadavg()[0]:.1f}"
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _all_stored(pg: str, dbname: str, codes: set[str]) -> bool:
    if not codes:
        return False
    with psycopg.connect(f"{pg}/{dbname}") as conn:
        found = conn.execute(
            "SELECT count(*) FROM reports_report WHERE code = ANY(%s)", [list(codes)]
        ).fetchone()[0]  # type: ignore[index]
    return bool(found == len(codes))


if __name__ == "__main__":
    main()
