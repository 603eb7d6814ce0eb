"""Export → import is lossless, on SQLite and PostgreSQL, as .xlsx and as CSV."""

import pytest

from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file


def _canonical(tables):
    """Comparable form: rows sorted by code; floats as stored."""
    ents = sorted(zip(*[tables.enterprises[k] for k in sorted(tables.enterprises) if k != "seq"]))
    lines = sorted(zip(*[tables.lines[k] for k in sorted(tables.lines) if k != "seq"]))
    areas = sorted(zip(*[tables.areas[k] for k in sorted(tables.areas)]), key=str)
    return tables.version, areas, ents, lines


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_is_lossless(db_url, tmp_path, fmt):
    generated = generate_registry(300, seed=11)
    first = tmp_path / ("first.xlsx" if fmt == "xlsx" else "first")
    write_list_file(generated, first)

    engine = open_database(db_url)
    summary = service.import_list_file(engine, first)
    assert (summary.enterprises, summary.lines) == (300, generated.n_rows("lines"))
    exported = service.export_tables(engine)
    assert _canonical(exported) == _canonical(generated)

    second = tmp_path / ("second.xlsx" if fmt == "xlsx" else "second")
    write_list_file(exported, second)
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    service.import_list_file(other, second)
    assert _canonical(service.export_tables(other)) == _canonical(exported)


def test_version_exists_is_refused_unless_replace(db_url, tmp_path):
    from emergency.errors import RegistryError

    path = tmp_path / "list.xlsx"
    write_list_file(generate_registry(50, seed=2), path)
    engine = open_database(db_url)
    service.import_list_file(engine, path)
    with pytest.raises(RegistryError, match="已存在"):
        service.import_list_file(engine, path)
    summary = service.import_list_file(engine, path, replace=True)
    assert summary.replaced
    assert len(service.list_versions(engine)) == 1


def test_capacity_basis_is_smallest_of_three(sqlite_url, tmp_path):
    tables = generate_registry(40, seed=5)
    path = tmp_path / "l.xlsx"
    write_list_file(tables, path)
    engine = open_database(sqlite_url)
    service.import_list_file(engine, path)
    out = service.export_tables(engine)
    for eia, permit, actual, basis in zip(
        out.lines["capacity_eia"], out.lines["capacity_permit"], out.lines["capacity_actual"], out.lines["capacity_basis"]
    ):
        assert basis == min(eia, permit, actual)


def test_hand_list_round_trips_through_both_formats(db_url, tmp_path):
    """CSV → database → .xlsx → another database → CSV gives back the same cells."""
    from pathlib import Path

    from openpyxl import load_workbook

    hand = Path(__file__).parent / "data" / "jinzhong"
    engine = open_database(db_url)
    service.import_list_file(engine, hand)
    xlsx = write_list_file(service.export_tables(engine), tmp_path / "copy.xlsx")

    ws = load_workbook(xlsx)["生产线"]
    header = [c.value for c in ws[1]]
    first = dict(zip(header, [c.value for c in ws[2]]))
    # as people write it: Chinese names, percent 0–100, 是/否, the computed basis
    assert first["工序类型"] == "水泥熟料" and first["最低负荷(%)"] == 60 and first["可中断"] == "是"
    assert first["产能基数(日均)"] == 2100

    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    service.import_list_file(other, xlsx)
    write_list_file(service.export_tables(other), tmp_path / "back")
    for name in ("version.csv", "areas.csv"):
        assert _csv_rows(tmp_path / "back" / name) == _csv_rows(hand / name), name
    original = _csv_rows(hand / "enterprises.csv")
    essential = original[0].index("保障类类别")
    assert original[4][essential] == ""
    original[4][essential] = "无"  # a blank essential category is 无 (columns.py)
    phone = original[0].index("联系电话")  # 联系邮箱 (optional, added for notice delivery) is written, blank
    original = [r[: phone + 1] + (["联系邮箱"] if i == 0 else [""]) + r[phone + 1:] for i, r in enumerate(original)]
    assert _csv_rows(tmp_path / "back" / "enterprises.csv") == original
    back, original = _csv_rows(tmp_path / "back" / "lines.csv"), _csv_rows(hand / "lines.csv")
    basis = back[0].index("产能基数(日均)")
    assert [r[:basis] + r[basis + 1:] for r in back] == original  # plus the computed column
    assert [r[basis] for r in back[1:]] == ["2100.0", "2800.0", "1400.0", "200.0", "900.0"]


def _csv_rows(path):
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [[_canon(v) for v in row] for row in csv.reader(fh)]


def _canon(value):
    """Numbers compare by value ("2500" == "2500.0"), everything else as text."""
    try:
        return repr(float(value)) if value.strip() and value.strip()[0].isdigit() and "-" not in value else value
    except ValueError:
        return value
