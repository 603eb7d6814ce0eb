"""Two changes of one warning at the same moment: exactly one wins, the other gets 409.

The overlap is forced, not hoped for: a listener on the engine holds each racing
thread just before it writes the warning row (``UPDATE warning …``) until both have
read it (a barrier), then lets them go — both at once, or the designated loser only
after the winner has committed. On SQLite and on PostgreSQL, over 10 rounds: the state
afterwards is consistent — a released warning holds no area (a new warning for it is
accepted); an adjusted one still holds its areas (a second warning is refused).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from emergency import clock
from emergency.errors import Conflict
from emergency.workflow import audit, lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L

NOW = clock.aware(datetime(2026, 11, 28, 8))
START = datetime(2026, 12, 3, 8)  # five days ahead: every line can stop in time
END = START + timedelta(days=3)
ROUNDS = 10


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    registry.import_tables(e, generate_registry(200, seed=3))
    with clock.use_clock(NOW):
        yield e
    e.dispose()


class Race:
    """Holds the racing threads at their write of the warning row."""

    def __init__(self, engine, loser: str | None):
        self.barrier = threading.Barrier(2, timeout=30)
        self.winner_done = threading.Event()
        self.names: dict[int, str] = {}
        self.loser = loser
        self.outcomes: dict[str, str] = {}
        self.engine = engine

    def hold(self, conn, cursor, statement, parameters, context, executemany):  # before_cursor_execute
        name = self.names.get(threading.get_ident())
        if name is None or not statement.lstrip().upper().startswith("UPDATE WARNING"):
            return
        self.barrier.wait()  # both have read the row (its row_version) before either writes
        if name == self.loser:
            assert self.winner_done.wait(30)

    def run(self, name: str, fn) -> None:
        self.names[threading.get_ident()] = name
        try:
            fn()
            self.outcomes[name] = "ok"
        except Conflict as exc:
            assert "已被他人修改或解除" in exc.message
            self.outcomes[name] = "conflict"
        finally:
            if name != self.loser:
                self.winner_done.set()

    def __call__(self, **fns) -> dict[str, str]:
        event.listen(self.engine, "before_cursor_execute", self.hold)
        try:
            threads = [threading.Thread(target=self.run, args=(n, f)) for n, f in fns.items()]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        finally:
            event.remove(self.engine, "before_cursor_execute", self.hold)
        return self.outcomes


def _active_areas(engine, warning_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM active_area WHERE warning_id = :w"), {"w": warning_id}).scalar()


def test_adjust_and_release_at_the_same_moment(engine):
    wins = {"adjust": 0, "release": 0}
    for i in range(ROUNDS):
        w, _ = wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END)
        held = _active_areas(engine, w.id)
        loser = ("release", "adjust", None)[i % 3]  # adjust first, release first, both at once
        outcomes = Race(engine, loser)(
            adjust=lambda: wf.adjust_warning(engine, w.id, actor="li", level=L.ORANGE),
            release=lambda: wf.release_warning(engine, w.id, actor="wang", reason="好转"),
        )
        assert sorted(outcomes.values()) == ["conflict", "ok"], (i, outcomes)
        if loser is not None:
            assert outcomes[loser] == "conflict"
        winner = next(n for n, o in outcomes.items() if o == "ok")
        wins[winner] += 1
        after, versions = wf.get_warning(engine, w.id)
        actions = [a.action for a in audit.audit_log(engine, target=f"warning:{w.id}")]
        if winner == "release":
            assert (after.state, after.level, len(versions)) == ("released", "yellow", 1)
            assert after.released_by == "wang" and _active_areas(engine, w.id) == 0
            assert actions == ["warning.issue", "warning.release"]
            w2, _ = wf.issue_warning(engine, actor="zhao", level=L.YELLOW, areas=["城区"], start=START, end=END)
            wf.release_warning(engine, w2.id, actor="zhao")
        else:
            assert (after.state, after.level, len(versions)) == ("adjusted", "orange", 2)
            assert after.released_at is None and _active_areas(engine, w.id) == held
            assert actions == ["warning.issue", "warning.upgrade"]
            with pytest.raises(Conflict, match="已有生效预警"):
                wf.issue_warning(engine, actor="zhao", level=L.YELLOW, areas=["城区"], start=START, end=END)
            wf.release_warning(engine, w.id, actor="zhang")
        assert after.row_version == w.row_version + 1
    assert wins["adjust"] >= 3 and wins["release"] >= 3


def test_two_adjustments_at_the_same_moment(engine):
    w, _ = wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END)
    outcomes = Race(engine, None)(
        up=lambda: wf.adjust_warning(engine, w.id, actor="li", level=L.ORANGE),
        extend=lambda: wf.adjust_warning(engine, w.id, actor="wang", end=END + timedelta(days=1)),
    )
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    after, versions = wf.get_warning(engine, w.id)
    assert [v.version_no for v in versions] == [1, 2] and after.row_version == w.row_version + 1
    if outcomes["up"] == "ok":
        assert (after.level, clock.aware(after.end)) == ("orange", clock.aware(END))
    else:
        assert (after.level, clock.aware(after.end)) == ("yellow", clock.aware(END + timedelta(days=1)))


def test_a_stale_change_is_refused_even_without_a_race(engine):
    """Read, then someone else changes the warning, then write: 409, nothing written."""
    w, _ = wf.issue_warning(engine, actor="zhang", level=L.YELLOW, areas=None, start=START, end=END)

    def plan_then_someone_releases(*args, **kwargs):
        run = wf.make_plan(*args, **kwargs)
        wf.release_warning(engine, w.id, actor="wang")  # between our read and our write
        return run

    with pytest.raises(Conflict, match="已被他人修改或解除"):
        wf.adjust_warning(engine, w.id, actor="li", level=L.RED, plan_fn=plan_then_someone_releases)
    after, versions = wf.get_warning(engine, w.id)
    assert (after.state, after.level, len(versions)) == ("released", "yellow", 1)
    assert _active_areas(engine, w.id) == 0
