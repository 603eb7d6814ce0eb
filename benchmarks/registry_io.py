"""Registry I/O benchmark: generate, write, read/check, import (SQLite, PostgreSQL), export.

    python benchmarks/registry_io.py [--sizes 2000 100000] [--postgres URL]

Prints a table of seconds per stage. Issue 2 asks for a 100,000-enterprise list to
generate and import within a minute each on a 2-core machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        tmp = Path(tempfile.mkdtemp())
        tables, t_gen = timed(generate_registry, n, 1)
        _, t_write = timed(write_list_file, tables, tmp / "list.xlsx")
        _, t_csv = timed(write_list_file, tables, tmp / "csv")
        checked, t_check = timed(service.check_list_file, tmp / "list.xlsx")
        sqlite = open_database(f"sqlite:///{tmp / 'b.sqlite'}")
        _, t_sqlite = timed(service.import_tables, sqlite, checked)
        _, t_export = timed(service.export_tables, sqlite)
        t_pg = float("nan")
        try:
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            name = f"emergency_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            pg = open_database(make_url(args.postgres).set(database=name).render_as_string(hide_password=False))
            _, t_pg = timed(service.import_tables, pg, checked)
            pg.dispose()
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL skipped: {exc}")
        rows.append((n, tables.n_rows("lines"), t_gen, t_write, t_csv, t_check, t_check + t_sqlite, t_check + t_pg, t_export))
    head = ("enterprises", "lines", "generate", "write xlsx", "write csv", "read+check xlsx", "import SQLite*", "import PG*", "export")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join([f"{r[0]:,}", f"{r[1]:,}"] + [f"{x:.1f} s" for x in r[2:]]) + " |")
    print("* import = read+check the .xlsx + write to the database in one transaction")


if __name__ == "__main__":
    main()
