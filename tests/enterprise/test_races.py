"""Two requests at the same moment: one invitation code makes one account; two
confirmations of one order make one receipt. The overlap is forced: each thread is held
just before its write until both have read (a barrier)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from emergency import clock
from emergency.errors import AuthenticationFailed
from emergency.workflow import accounts, receipts as rc
from enterprise_registry.db import open_database
from tests.enterprise.city import C1, NOW, issue, load_city


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    with clock.use_clock(NOW):
        load_city(e)
        yield e
    e.dispose()


def race(engine, prefix: str, fn) -> list:
    """Run ``fn`` in two threads, both held before their statement starting with ``prefix``."""
    barrier = threading.Barrier(2, timeout=30)
    racing: set[int] = set()
    outcomes: list = []

    def hold(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() in racing and statement.lstrip().upper().startswith(prefix):
            racing.discard(threading.get_ident())
            barrier.wait()

    def run():
        racing.add(threading.get_ident())
        with clock.use_clock(NOW):
            try:
                outcomes.append(fn())
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
                outcomes.append(exc)

    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    return outcomes


def test_one_code_redeemed_twice_at_once_makes_one_account(engine):
    code = accounts.invite(engine, "并发", [C1], actor="bureau").code
    outcomes = race(engine, "UPDATE ENTERPRISE_INVITATION", lambda: accounts.redeem(engine, code, "firm-password-9"))
    assert len(outcomes) == 2
    users = [o for o in outcomes if not isinstance(o, Exception)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(users) == 1 and len(errors) == 1 and isinstance(errors[0], AuthenticationFailed), outcomes
    assert errors[0].extra["reason"] == "used"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM app_user")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM enterprise_binding")).scalar() == 1


def test_two_confirmations_at_once_make_one_receipt(engine):
    w, _, _ = issue(engine)
    outcomes = race(engine, "INSERT INTO NOTICE_RECEIPT", lambda: rc.confirm(engine, w.id, 1, C1, "firm"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.new for o in outcomes) == [False, True]
    assert outcomes[0].status.confirmed_at == outcomes[1].status.confirmed_at
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notice_receipt")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM audit_record WHERE action = 'receipt.confirm'")).scalar() == 1
