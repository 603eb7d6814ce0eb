"""A list version used by an active warning cannot be replaced; every import is audited.

The check and the replace are atomic: the import locks the old version before it looks
for warnings, and an issue re-reads its version (PostgreSQL: FOR SHARE) in its own
transaction. Two orders are forced with engine listeners, on SQLite and PostgreSQL:
a replace held after its check while an issue of the same version runs (the issue is
refused: the list it planned from is gone), and an issue held before its commit while
a replace runs (the replace is refused: the version is in use).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from emergency import clock
from emergency.errors import Conflict, InputError
from emergency.workflow import audit, lifecycle as wf
from emergency.workflow.lists import import_list_file
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file
from emergency.vocabulary import WarningLevel as L

NOW = clock.aware(datetime(2026, 11, 28, 8))
START = datetime(2026, 12, 3, 8)
END = START + timedelta(days=3)


@pytest.fixture(scope="module")
def list_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("lists")
    first = generate_registry(200, seed=3)
    second = generate_registry(220, seed=4)
    second.version["name"] = first.version["name"]  # same version name, other content
    return write_list_file(first, d / "v1.xlsx"), write_list_file(second, d / "v2.xlsx")


@pytest.fixture
def engine(db_url, list_files):
    e = open_database(db_url)
    import_list_file(e, list_files[0], actor="zhang")
    with clock.use_clock(NOW):
        yield e
    e.dispose()


def _firms(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM enterprise")).scalar()


def test_a_version_in_use_cannot_be_replaced(engine, list_files):
    w, _ = wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=["城区"], start=START, end=END)
    with pytest.raises(Conflict) as info:
        import_list_file(engine, list_files[1], replace=True, actor="li")
    assert f"预警 {w.id}" in info.value.message and info.value.extra["warnings"] == [w.id]
    assert _firms(engine) == 200  # nothing replaced
    wf.release_warning(engine, w.id, actor="zhang")
    summary = import_list_file(engine, list_files[1], replace=True, actor="li")
    assert summary.replaced and _firms(engine) == 220
    imports = [(a.actor, json.loads(a.details)) for a in audit.audit_log(engine) if a.action == "registry.import"]
    assert [(who, d["file"], d["enterprises"], d["replaced"]) for who, d in imports] == [
        ("zhang", "v1.xlsx", 200, False), ("li", "v2.xlsx", 220, True)]


def test_a_missing_file_is_a_located_input_error(engine, tmp_path):
    with pytest.raises(InputError, match="不存在") as info:
        import_list_file(engine, tmp_path / "没有这个文件.xlsx", actor="li")
    assert "没有这个文件.xlsx" in info.value.message and info.value.exit_code == 14


def _hold_at(engine, prefix: str, holder: dict, reached: threading.Event, go: threading.Event):
    """Hold the thread named in ``holder`` just before it executes a statement starting with ``prefix``."""

    def listener(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == holder.get("thread") and statement.lstrip().upper().startswith(prefix):
            reached.set()
            assert go.wait(30)

    event.listen(engine, "before_cursor_execute", listener)
    return listener


def _signal_at(engine, prefix: str, who: dict, seen: threading.Event):
    def listener(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == who.get("thread") and statement.lstrip().upper().startswith(prefix):
            seen.set()

    event.listen(engine, "before_cursor_execute", listener)
    return listener


def _run(fn, me: dict, out: dict, key: str):
    def target():
        me["thread"] = threading.get_ident()
        try:
            out[key] = fn()
        except Conflict as exc:
            out[key] = exc

    t = threading.Thread(target=target)
    t.start()
    return t


def test_a_replace_checked_then_an_issue_of_that_version_is_refused(engine, list_files):
    importer, issuer, out = {}, {}, {}
    reached, go, issuing = threading.Event(), threading.Event(), threading.Event()
    listeners = [_hold_at(engine, "DELETE FROM PRODUCTION_LINE", importer, reached, go),
                 _signal_at(engine, "INSERT INTO WARNING", issuer, issuing)]
    try:
        t1 = _run(lambda: import_list_file(engine, list_files[1], replace=True, actor="li"), importer, out, "import")
        assert reached.wait(30)  # the replace has locked the version and found no warning
        t2 = _run(lambda: wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END),
                  issuer, out, "issue")
        assert issuing.wait(60)  # the issue planned from the old content and is writing
        time.sleep(0.3)
        go.set()
        t1.join(60), t2.join(60)
    finally:
        go.set()
        for listener in listeners:
            event.remove(engine, "before_cursor_execute", listener)
    assert not isinstance(out["import"], Conflict) and out["import"].replaced
    assert isinstance(out["issue"], Conflict) and "刚被替换" in out["issue"].message
    assert wf.list_warnings(engine) == [] and _firms(engine) == 220


def test_an_issue_about_to_commit_then_a_replace_is_refused(engine, list_files):
    importer, issuer, out = {}, {}, {}
    reached, go, replacing = threading.Event(), threading.Event(), threading.Event()
    listeners = [_hold_at(engine, "INSERT INTO PLAN_VERSION", issuer, reached, go),
                 _signal_at(engine, "UPDATE LIST_VERSION", importer, replacing)]
    try:
        t2 = _run(lambda: wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END),
                  issuer, out, "issue")
        assert reached.wait(60)  # the issue checked its version and is about to commit
        t1 = _run(lambda: import_list_file(engine, list_files[1], replace=True, actor="li"), importer, out, "import")
        assert replacing.wait(30)  # the replace is trying to lock the version
        time.sleep(0.3)
        go.set()
        t1.join(60), t2.join(60)
    finally:
        go.set()
        for listener in listeners:
            event.remove(engine, "before_cursor_execute", listener)
    w = out["issue"].warning
    assert isinstance(out["import"], Conflict) and f"预警 {w.id}" in out["import"].message
    assert _firms(engine) == 200 and [x.id for x in wf.list_warnings(engine, active_only=True)] == [w.id]


# ------------------------------------------------------------------ the command


def emergency(*args):
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200", "EMERGENCY_NOW": "2026-11-28T08:00"},
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_registry_import_on_the_command_line(sqlite_url, list_files, tmp_path):
    code, out = emergency("registry", "import", list_files[0], "--actor", "张三", "--database", sqlite_url)
    assert code == 0 and "200 家企业" in out, out
    code, out = emergency("warning", "issue", "--level", "yellow", "--start", "2026-12-03T08:00", "--end",
                          "2026-12-06T08:00", "--database", sqlite_url)
    assert code == 0, out
    code, out = emergency("registry", "import", list_files[1], "--replace", "--actor", "李四", "--database", sqlite_url)
    assert code == Conflict.exit_code == 9 and "预警 1" in out and "Traceback" not in out, out
    code, out = emergency("registry", "import", tmp_path / "没有.xlsx", "--database", sqlite_url)
    assert code == InputError.exit_code == 14 and "没有.xlsx" in out and "Traceback" not in out, out
    engine = open_database(sqlite_url)
    try:
        [rec] = [a for a in audit.audit_log(engine) if a.action == "registry.import"]
        assert rec.actor == "张三" and json.loads(rec.details)["file"].endswith("v1.xlsx")
        assert registry.export_tables(engine).n_rows("enterprises") == 200
    finally:
        engine.dispose()
