"""The console at volume, behind `make bench-console`: 5,000 pre-dossiers over the 5
antennes and a year, on SQLite and on PostgreSQL, through the real web app over HTTP.

For a staff member and for the admin it times (p50/p95 over repeated requests) the first
and the last page of the list, a search, a sort by handler, the dashboard page and its
charts, and the staff member's CSV export of their antenne (about 1,000 rows); then the
admin's CSV and .xlsx exports of all 5,000 rows (10 rounds each: until the first bytes
arrive and until the end of the file), then, in a run of their own, the peak memory
Python allocated while each was made (tracemalloc), against the size of the file.
Last, the time to copy the store (`make backup`) and to restore the copy (`make restore`).
Prints a table and writes reports/console-bench.json.
"""

import asyncio
import json
import random
import statistics
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, text

from dossiers.backup import backup, restore
from dossiers.db import make_engine
from dossiers.models import contact_attempt, history, pre_dossier, quiz_result
from dossiers.repository import Repository, now
from dossiers.status import VALUES, Status
from referentiel import load_referentiel
from settings import current
from web.app import create_app
from web.security import LoginLimiter, hash_password

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "console-bench.json"
DOSSIERS = 5000
ROUNDS = 30
EXPORT_ROUNDS = 10
SEED = 14
PASSWORD = "un mot de passe de banc d'essai"
TARGET_MS = 200
OUTCOMES = ("joint", "pas_de_reponse", "message_laisse", "mauvais_numero")
LEVELS = ("a_l_aise", "a_consolider", "a_travailler")


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def seed(store: Repository) -> None:
    """A year of requests over the antennes, with statuses, handlers, calls and quiz levels."""
    rng = random.Random(SEED)
    ref = load_referentiel()
    antennes = [a.id for a in ref.antennes]
    handlers = {a: store.create_staff_user(f"{a}1", f"Agent {a}", "x", a) for a in antennes}
    situations = [s.id for s in ref.situations] + [None]
    moment = now()
    dossiers, results, lines, calls = [], [], [], []
    for number in range(1, DOSSIERS + 1):
        created = moment - timedelta(minutes=rng.randrange(365 * 24 * 60))
        antenne = rng.choice(antennes)
        status = rng.choices(VALUES, weights=(15, 20, 30, 20, 15))[0]
        dossiers.append(
            {
                "id": number,
                "reference": f"CLEA-BENCH-{number:05d}",
                "request_key": f"bench-{number}",
                "sender_id": f"bench-{number}",
                "antenne_id": antenne,
                "status": status,
                "first_name": rng.choice(("Léa", "Karim", "Sofia", "Marc")),
                "last_name": f"Candidat{number:05d}",
                "phone": f"06 {number:08d}"[:14],
                "commune": rng.choice(("Lille", "Arras", "Amiens", "Lens", "Calais")),
                "situation": rng.choice(situations),
                "created_at": created,
                "updated_at": created,
                "assigned_to": handlers[antenne] if status != Status.NEW.value else None,
            }
        )
        results += [
            {"pre_dossier_id": number, "domain": domain, "level": rng.choice(LEVELS)}
            for domain in range(1, 8)
        ]
        lines.append(
            {
                "pre_dossier_id": number,
                "at": created,
                "kind": "created",
                "to_value": Status.NEW.value,
            }
        )
        if status != Status.NEW.value:
            calls.append(
                {
                    "pre_dossier_id": number,
                    "at": created + timedelta(hours=rng.randrange(1, 96)),
                    "staff_user_id": handlers[antenne],
                    "outcome": rng.choice(OUTCOMES),
                }
            )
    with store.engine.begin() as connection:
        for table, rows in (
            (pre_dossier, dossiers),
            (quiz_result, results),
            (history, lines),
            (contact_attempt, calls),
        ):
            connection.execute(insert(table), rows)
    store.create_staff_user("staff", "Agent Lille", hash_password(PASSWORD), "lille")
    store.create_staff_user("admin", "Admin", hash_password(PASSWORD), None, is_admin=True)


async def timed(client: TestClient, path: str) -> float:
    return (await timed_download(client, path))[1]


async def timed_download(client: TestClient, path: str) -> tuple[float, float]:
    """Milliseconds until the first bytes of the body, and until its end."""
    start = time.perf_counter()
    response = await client.get(path)
    assert response.status == 200, (path, response.status)
    await response.content.readany()
    first = time.perf_counter()
    await response.read()
    return (first - start) * 1000, (time.perf_counter() - start) * 1000


async def log_in(client: TestClient, login: str) -> None:
    page = await (await client.get("/console/login")).text()
    token = page.split('name="csrf" value="')[1].split('"')[0]
    response = await client.post(
        "/console/login",
        allow_redirects=False,
        data={"csrf": token, "login": login, "password": PASSWORD},
    )
    assert response.status == 302, response.status


PAGES = {
    "list, first page": "/console",
    "list, last page": "/console?page=100",
    "search": "/console?q=candidat0421",
    "sorted by handler": "/console?sort=handler",
    "dashboard page": "/console/dashboard",
    "dashboard chart": "/console/dashboard/weeks.svg",
}


async def measure(store: Repository) -> dict:
    results: dict = {}
    server = TestServer(create_app(store, b"b" * 32, limiter=LoginLimiter()))
    async with TestClient(server) as client:
        for who in ("staff", "admin"):
            await log_in(client, who)
            pages = {
                **PAGES,
                **({"CSV export of the antenne": "/console/export.csv"} if who == "staff" else {}),
            }
            for name, path in pages.items():
                times = [await timed(client, path) for _ in range(ROUNDS)]
                results[f"{who}: {name}"] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(statistics.quantiles(times, n=20)[-1], 1),
                }
        for name, path in (("CSV", "/console/export.csv"), (".xlsx", "/console/export.xlsx")):
            downloads = [await timed_download(client, path) for _ in range(EXPORT_ROUNDS)]
            firsts, times = [first for first, _ in downloads], [end for _, end in downloads]
            tracemalloc.start()  # a run of its own: tracing slows Python down
            size = 0
            async for chunk in (await client.get(path)).content.iter_chunked(65536):
                size += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results[f"admin: {name} export of every row"] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(statistics.quantiles(times, n=20)[-1], 1),
                "first_bytes_p50_ms": round(statistics.median(firsts), 1),
                "first_bytes_p95_ms": round(statistics.quantiles(firsts, n=20)[-1], 1),
                "file_mb": round(size / 2**20, 2),
                "peak_python_mb_while_exporting": round(peak / 2**20, 2),
            }
    return results


def backup_and_restore(url: str, schema: str | None) -> dict:
    """Seconds to copy the store and to restore the copy over it, and the copy's size."""
    start = time.perf_counter()
    copy = backup(url, ROOT / "var" / "bench" / "backups", schema=schema)
    copied = time.perf_counter() - start
    start = time.perf_counter()
    restore(copy, url)
    restored = time.perf_counter() - start
    size_kb = copy.stat().st_size // 1024
    copy.unlink()
    return {"backup_s": round(copied, 2), "restore_s": round(restored, 2), "copy_kb": size_kb}


def run_on(label: str, store: Repository, url: str, schema: str | None = None) -> dict:
    step(f"{label}: seeding {DOSSIERS} pre-dossiers over a year")
    store.migrate()
    store.sync_antennes(load_referentiel())
    start = time.perf_counter()
    seed(store)
    step(
        f"{label}: seeded in {time.perf_counter() - start:.1f} s; timing {ROUNDS} requests per page"
    )
    results = asyncio.run(measure(store))
    step(f"{label}: copying the store and restoring the copy")
    results["backup and restore"] = backup_and_restore(url, schema)
    return results


def table(report: dict) -> str:
    rows = [f"{'':38} {'SQLite p50/p95 ms':>20} {'PostgreSQL p50/p95 ms':>22}"]
    for name in report["sqlite"]:
        for label, key in (("", ""), (" (first bytes)", "first_bytes_")):
            figures = [report[base][name] for base in ("sqlite", "postgresql")]
            if f"{key}p50_ms" in figures[0]:
                cells = [f"{f[f'{key}p50_ms']}/{f[f'{key}p95_ms']}" for f in figures]
                rows.append(f"{name + label:38} {cells[0]:>20} {cells[1]:>22}")
    return "\n".join(rows)


def main() -> None:
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "dossiers": DOSSIERS,
        "rounds": ROUNDS,
        "target_p95_ms": TARGET_MS,
    }
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    sqlite_file = bench_dir / "console.db"
    for path in (sqlite_file, Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
        path.unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{sqlite_file}"
    report["sqlite"] = run_on("SQLite", Repository(make_engine(sqlite_url)), sqlite_url)
    schema = f"clea_bench_{uuid.uuid4().hex[:8]}"
    postgres_url = current().bench_postgres_url
    with make_engine(postgres_url).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        report["postgresql"] = run_on("PostgreSQL", Repository(engine), postgres_url, schema)
    finally:
        engine.dispose()
        with make_engine(postgres_url).begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    slowest = max(
        figures["p95_ms"]
        for base in ("sqlite", "postgresql")
        for name, figures in report[base].items()
        if "p95_ms" in figures and "of every row" not in name
    )
    report["slowest_p95_ms"] = slowest
    report["p95_under_target"] = slowest < TARGET_MS
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(table(report))
    print(
        f"\nSlowest p95 of a page or an antenne's export: {slowest} ms (target < {TARGET_MS} ms): "
        f"{'met' if report['p95_under_target'] else 'MISSED'}"
    )
    for base, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        figures = report[base]["backup and restore"]
        print(
            f"{label}: backup of {DOSSIERS} pre-dossiers {figures['backup_s']} s "
            f"({figures['copy_kb']} KB), restore {figures['restore_s']} s"
        )
    print(f"Report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
