"""Consistent copies of the pre-dossier store, kept a limited time, and their restore.

Usage:
  python -m dossiers.backup                 copy the store into var/backups/ and delete
                                            the copies older than the retention delay
  python -m dossiers.backup --restore FILE  replace the store's content with the copy FILE

The store is CLEA_DATABASE_URL (dossiers/db.py). SQLite is copied with its backup
API, consistent while the assistant writes; PostgreSQL with `pg_dump` (custom
format), restored with `pg_restore --clean` in one transaction. A copy is readable
by its owner only. Copies older than `personal_data.backup_days`
(referentiel/clea.yml) are deleted at each backup, so that a deleted pre-dossier
does not outlive that delay in a copy.
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from dossiers.db import ROOT, database_url
from referentiel import load_referentiel
from settings import environment

BACKUP_DIR = ROOT / "var" / "backups"
PREFIX = "dossiers-"
STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(rf"^{PREFIX}(\d{{8}}T\d{{6}}Z)\.(db|dump)$")


class BackupError(RuntimeError):
    """A copy or a restore that did not complete; the text says why."""


def backup(
    url: str,
    directory: Path = BACKUP_DIR,
    schema: str | None = None,
    moment: datetime | None = None,
) -> Path:
    """A consistent copy of the store at `url` (PostgreSQL: only `schema`, when given)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = (moment or datetime.now(timezone.utc)).strftime(STAMP)
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        if not Path(target.database or "").is_file():
            raise BackupError(f"{target.database}: no store to copy.")
        path = directory / f"{PREFIX}{stamp}.db"
        _private(path)
        _sqlite_copy(target.database, path)
        return path
    path = directory / f"{PREFIX}{stamp}.dump"
    _private(path)
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={path}",
            *([f"--schema={schema}"] if schema else []),
            "--dbname",
            _libpq(url),
        ],
        url,
    )
    return path


def restore(path: Path, url: str) -> None:
    """Replace the content of the store at `url` with the copy at `path`."""
    if not path.is_file():
        raise BackupError(f"{path}: no such copy.")
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        if path.suffix != ".db":
            raise BackupError(f"{path} is not a SQLite copy.")
        _sqlite_copy(path, target.database)
        return
    if path.suffix != ".dump":
        raise BackupError(f"{path} is not a PostgreSQL copy.")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--dbname",
            _libpq(url),
            str(path),
        ],
        url,
    )


def expire(directory: Path, keep_days: int, moment: datetime | None = None) -> list[Path]:
    """Delete the copies older than `keep_days`; the paths deleted (other files stay)."""
    cutoff = (moment or datetime.now(timezone.utc)) - timedelta(days=keep_days)
    deleted = []
    for path in sorted(directory.glob(f"{PREFIX}*")):
        match = _NAME.match(path.name)
        made = match and datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc)
        if made and made < cutoff:
            path.unlink()
            deleted.append(path)
    return deleted


def _sqlite_copy(source: str | Path, destination: str | Path) -> None:
    """SQLite's online backup, page by page, consistent while others write."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(destination)) as copy:
        origin.backup(copy)


def _private(path: Path) -> None:
    """The copy's file, created empty and readable by its owner only."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))


def _libpq(url: str) -> str:
    """The address for pg_dump and pg_restore, without the driver or the password."""
    return (
        make_url(url)
        .set(drivername="postgresql", password=None)
        .render_as_string(hide_password=False)
    )


def _run(command: list[str], url: str) -> None:
    password = make_url(url).password
    env = environment(**({"PGPASSWORD": str(password)} if password else {}))
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--restore", type=Path, metavar="FILE", help="replace the store's content with this copy"
    )
    args = parser.parse_args(argv)
    url = database_url()
    try:
        if args.restore:
            started = time.perf_counter()
            restore(args.restore, url)
            print(
                f"==> Restored {args.restore} into {_shown(url)} "
                f"in {time.perf_counter() - started:.1f} s"
            )
            return 0
        keep_days = load_referentiel().personal_data.backup_days
        started = time.perf_counter()
        path = backup(url, BACKUP_DIR)
        print(
            f"==> Copied {_shown(url)} to {path} ({path.stat().st_size // 1024} KB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for old in expire(BACKUP_DIR, keep_days):
            print(f"    deleted {old.name} (older than {keep_days} days)")
    except BackupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
