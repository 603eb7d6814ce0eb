"""Registry I/O benchmark: generate, write, read, check, import (SQLite, PostgreSQL), export.

    .venv/bin/python benchmarks/registry_io.py [--sizes 2000 100000] [--postgres URL] [--openpyxl]

Prints a table of seconds per stage and size, then the two totals issue 2 asks for
(a 100,000-enterprise list must *generate* and *import* within a minute each on a
2-core machine): ``emergency registry generate`` = generate + write .xlsx;
``emergency registry import`` = read + check + write to the database in one
transaction. Each size is also round-tripped (import → export → import into a
second SQLite database → export) and the two exports compared.
``--openpyxl`` adds openpyxl's read-only reader for comparison with calamine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from config.industries import load_industries
from enterprise_registry import service
from enterprise_registry.columns import SHEETS
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import read_list_file, write_list_file
from enterprise_registry.validation import validate_sheets

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def openpyxl_read(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for spec in SHEETS for _ in wb[spec.title].iter_rows(values_only=True))
    wb.close()
    return n


def postgres_import(url: str, tables) -> float:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"emergency_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        pg = open_database(make_url(url).set(database=name).render_as_string(hide_password=False))
        _, seconds = timed(service.import_tables, pg, tables)
        pg.dispose()
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return seconds


def run_size(n: int, pg_url: str | None, with_openpyxl: bool) -> dict[str, float | str]:
    tmp = Path(tempfile.mkdtemp(prefix="registry_bench_"))
    try:
        r: dict[str, float | str] = {}
        tables, r["generate"] = timed(generate_registry, n, 1)
        r["lines"] = tables.n_rows("lines")
        _, r["write .xlsx (openpyxl write-only)"] = timed(write_list_file, tables, tmp / "list.xlsx")
        _, r["write CSV"] = timed(write_list_file, tables, tmp / "csv")
        raw, r["read .xlsx (calamine)"] = timed(read_list_file, tmp / "list.xlsx")
        if with_openpyxl:
            _, r["read .xlsx (openpyxl read-only)"] = timed(openpyxl_read, tmp / "list.xlsx")
        _, r["read CSV"] = timed(read_list_file, tmp / "csv")
        (checked, problems), r["check (cells + cross-references)"] = timed(validate_sheets, raw, load_industries())
        assert not problems, problems[:5]
        sqlite = open_database(f"sqlite:///{tmp / 'a.sqlite'}")
        _, r["write to SQLite (one transaction)"] = timed(service.import_tables, sqlite, checked)
        if pg_url:
            try:
                r["write to PostgreSQL (one transaction)"] = postgres_import(pg_url, checked)
            except sa.exc.OperationalError as exc:
                print(f"PostgreSQL skipped: {exc.orig}")
        exported, r["export: load from SQLite"] = timed(service.export_tables, sqlite)
        _, r["export: write .xlsx"] = timed(write_list_file, exported, tmp / "export.xlsx")
        # round trip: the exported file into a second database, compared with the first
        other = open_database(f"sqlite:///{tmp / 'b.sqlite'}")
        service.import_list_file(other, tmp / "export.xlsx")
        again = service.export_tables(other)
        same = all(getattr(again, s) == getattr(exported, s) for s in ("version", "areas", "enterprises", "lines"))
        r["round trip equal"] = "yes" if same else "NO"
        r["= registry generate (generate + write .xlsx)"] = r["generate"] + r["write .xlsx (openpyxl write-only)"]
        r["= registry import into SQLite (read + check + write)"] = (
            r["read .xlsx (calamine)"] + r["check (cells + cross-references)"] + r["write to SQLite (one transaction)"]
        )
        if "write to PostgreSQL (one transaction)" in r:
            r["= registry import into PostgreSQL"] = (
                r["read .xlsx (calamine)"] + r["check (cells + cross-references)"] + r["write to PostgreSQL (one transaction)"]
            )
        sqlite.dispose()
        other.dispose()
        return r
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    ap.add_argument("--postgres", default=PG_DEFAULT, help="server URL; a scratch database is created and dropped")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--openpyxl", action="store_true", help="also time openpyxl's read-only reader")
    args = ap.parse_args()
    results = {n: run_size(n, None if args.no_postgres else args.postgres, args.openpyxl) for n in args.sizes}
    stages = list(dict.fromkeys(k for r in results.values() for k in r if k != "lines"))
    head = ["stage"] + [f"{n:,} enterprises / {results[n]['lines']:,} lines" for n in args.sizes]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for stage in stages:
        cells = []
        for n in args.sizes:
            v = results[n].get(stage, "")
            cells.append(f"{v:.1f} s" if isinstance(v, float) else str(v))
        print(f"| {stage} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
