"""The service on a hand-made list (tests/registry/data/jinzhong: 3 areas, 4 firms, 5 lines).

Every expected value below is read off the CSV files or computed by hand from them.
"""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from emergency.errors import NotFound, RegistryError
from enterprise_registry import service
from enterprise_registry.db import open_database

HAND = Path(__file__).parent / "data" / "jinzhong"
CEMENT, COKING, HEATING, READY_MIX = (
    "91140100MA0K000017",
    "91140105MA0K00002J",
    "91140106MA0K000034",
    "91140107MA0K00004M",
)


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    service.import_list_file(e, HAND)
    yield e
    e.dispose()


def _with_version(tables, name, effective):
    return replace(tables, version={**tables.version, "name": name, "effective_date": effective})


def test_values_are_stored_as_the_rules_say(engine):
    t = service.export_tables(engine)
    assert t.version == {"name": "2025—2026年秋冬季", "effective_date": date(2025, 10, 1), "city": "晋中市", "notes": "手工编制的测试清单"}
    # capacity basis = min(EIA, permit, last year's actual), line by line
    assert t.lines["capacity_basis"] == [2100.0, 2800.0, 1400.0, 200.0, 900.0]
    # percent in the file, fraction in the database
    assert t.lines["min_load"] == [0.6, 0.7, 0.65, 0.5, 0.0]
    assert t.areas["listed_share_so2"] == [0.6, 0.625, 0.575]
    assert t.enterprises["essential_approved_load"] == [None, None, 0.8, None]
    # industries and processes by code; blank essential category = 无
    assert t.enterprises["industry"] == ["cement", "coking", "non_key", "ready_mix"]
    assert t.lines["process"] == ["clinker", "coke_oven_ge6m", "coke_oven_lt6m", "heating_boiler", "mixing"]
    assert t.enterprises["essential_category"] == ["无", "安全生产不可中断", "民生保障", "无"]
    assert t.enterprises["small_micro"] == [False, False, False, True]
    assert t.lines["interruptible"] == [True, False, False, True, True]
    assert t.lines["uscc"] == [CEMENT, COKING, COKING, HEATING, READY_MIX]


def test_loader_for_the_optimiser_is_column_wise(engine):
    frame = service.load_registry_frame(engine)
    assert frame.n_rows("areas") == 3 and frame.n_rows("enterprises") == 4 and frame.n_rows("lines") == 5
    assert sum(frame.lines["so2_kg"]) == pytest.approx(150.5 + 320 + 180 + 45 + 0)


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({}, [CEMENT, COKING, HEATING, READY_MIX]),
        ({"county": "榆次区"}, [CEMENT, HEATING, READY_MIX]),
        ({"industry": "焦化"}, [COKING]),
        ({"industry": "coking"}, [COKING]),
        ({"grade": "引领性"}, [READY_MIX]),
        ({"essential": "民生保障"}, [HEATING]),
        ({"county": "榆次区", "grade": "B"}, [CEMENT]),
        ({"county": "介休市", "grade": "B"}, []),
    ],
)
def test_list_filters(engine, filters, expected):
    total, items = service.list_enterprises(engine, **filters)
    assert total == len(expected)
    assert [e.uscc for e in items] == expected


def test_list_pages(engine):
    total, items = service.list_enterprises(engine, county="榆次区", offset=2, limit=2)
    assert total == 3 and [e.uscc for e in items] == [READY_MIX]


def test_show_one_enterprise_with_its_lines(engine):
    ent, lines = service.get_enterprise(engine, COKING.lower())
    assert ent.name == "介休示例焦化有限公司" and ent.contact_phone == "0354-7000002"
    assert [ln.line_id for ln in lines] == [f"{COKING}/J1", f"{COKING}/J2"]
    assert [ln.capacity_basis for ln in lines] == [2800.0, 1400.0]
    assert not hasattr(ent, "id") and not hasattr(lines[0], "enterprise_id")


def test_unknown_and_invalid_codes(engine):
    with pytest.raises(NotFound, match="没有统一社会信用代码"):
        service.get_enterprise(engine, "91350100M000100Y43")
    with pytest.raises(RegistryError, match="校验码"):
        service.get_enterprise(engine, "91350100M000100Y44")


def test_default_version_is_the_latest_in_effect(engine):
    today = date.today()
    base = service.export_tables(engine)
    service.import_tables(engine, _with_version(base, base.version["name"], today - timedelta(days=800)), replace=True)
    service.import_tables(engine, _with_version(base, "上一年度", today - timedelta(days=400)))
    service.import_tables(engine, _with_version(base, "本年度", today - timedelta(days=30)))
    service.import_tables(engine, _with_version(base, "下一年度", today + timedelta(days=30)))
    # the latest effective date not after today; the future version is not in effect yet
    assert service.latest_version(engine).name == "本年度"
    assert service.export_tables(engine).version["name"] == "本年度"
    assert service.export_tables(engine, "下一年度").version["effective_date"] == today + timedelta(days=30)
    listed = service.list_versions(engine)
    assert [v["name"] for v in listed][-1] == "下一年度"
    assert {v["enterprises"] for v in listed} == {4} and {v["lines"] for v in listed} == {5}


def test_unknown_version_names_the_existing_ones(engine):
    with pytest.raises(NotFound) as info:
        service.export_tables(engine, "2030年")
    assert "2025—2026年秋冬季" in info.value.message


def test_same_version_name_is_refused_and_nothing_changes(engine):
    def names():
        with engine.connect() as c:
            return c.execute(sa.text("SELECT name FROM enterprise ORDER BY id")).scalars().all()

    before = names()
    tables = service.export_tables(engine)
    renamed = replace(tables, enterprises={**tables.enterprises, "name": [n + "（更名）" for n in tables.enterprises["name"]]})
    with pytest.raises(RegistryError, match="已存在"):
        service.import_tables(engine, renamed)
    assert names() == before
    summary = service.import_tables(engine, renamed, replace=True)
    assert summary.replaced and summary.enterprises == 4 and summary.lines == 5
    assert names() == [n + "（更名）" for n in before]
    assert len(service.list_versions(engine)) == 1


def test_empty_database_says_what_to_do(sqlite_url):
    with pytest.raises(NotFound, match="registry import"):
        service.export_tables(open_database(sqlite_url))
