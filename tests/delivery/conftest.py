"""A warning in the test city (tests/enterprise/city.py), firms with e-mail addresses."""

from __future__ import annotations

import pytest

from emergency import clock
from emergency.delivery import outbox
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from tests.enterprise.city import C1, C2, C3, NOW, city_tables, issue

EMAILS = {C1: "c1@firm.example.com", C2: "c2@firm.example.com", C3: None}  # C3 has no e-mail
PHONES = {C1: "13800000001", C2: "13800000002", C3: "0519-8000003"}  # C3: a landline (no SMS)


@pytest.fixture
def warning(db_url):
    engine = open_database(db_url)
    t = city_tables()
    t.enterprises["contact_email"] = [EMAILS.get(u) for u in t.enterprises["uscc"]]
    t.enterprises["contact_phone"] = [PHONES.get(u, "13900000000") for u in t.enterprises["uscc"]]
    with clock.use_clock(NOW):
        registry.import_tables(engine, t)
        w, pv, doc = issue(engine)
    yield engine, w.id, doc
    engine.dispose()


@pytest.fixture(autouse=True)
def _no_hooks():
    yield
    outbox.AFTER_CLAIM = outbox.AFTER_SEND = None
