"""Workbooks read safely and written safely.

Reading: a workbook is checked as a zip before the reader (calamine) sees it — a sheet
reaching XFD1048576 (whatever its <dimension> says, however its cells are spelled), a
part inflating far beyond its compressed size or beyond what its header declares, are
refused quickly with TooLarge naming the sheet or the part, never handed to a reader
that would allocate 512 GB. Writing: every text cell in every workbook we write is text
(data type "s"), never a formula, and a list exported and re-imported keeps such names
exactly.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from emergency.errors import ImportRejected, RegistryError, TooLarge
from enterprise_registry import service
from enterprise_registry import workbook as wbmod
from enterprise_registry.columns import SHEETS, RegistryTables
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

EVIL = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0"]
TITLES = [s.title for s in SHEETS]


# ---------------------------------------------------------------- hand-made hostile workbooks


def far_cell_workbook(path: Path, cell: str = "XFD1048576", sheet: str = "企业") -> Path:
    """The four list sheets, a header cell in each, and one cell at ``cell`` in ``sheet``."""
    wb = Workbook()
    wb.remove(wb.active)
    for title in TITLES:
        ws = wb.create_sheet(title)
        ws["A1"] = "序号"
    wb[sheet][cell] = "远"
    wb.save(path)
    return path


def sheet_part(path: Path, title: str) -> str:
    """The zip part of sheet ``title`` (openpyxl numbers them in creation order)."""
    return f"xl/worksheets/sheet{TITLES.index(title) + 1}.xml"


def rewrite(path: Path, part: str, edit) -> Path:
    """Rewrite one part of the zip with ``edit(xml_bytes) -> bytes``."""
    data = {}
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        for info in infos:
            data[info.filename] = z.read(info)
    data[part] = edit(data[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info.filename, data[info.filename])
    return path


def cells_only(xml: bytes) -> bytes:
    return re.sub(rb"<dimension[^>]*/>", b"", xml)


def refused(path: Path) -> TooLarge:
    """The check's refusal (the reader is never called here: if the check let a bomb
    through, calling it would take the test process down; the service path is tested in
    a memory-limited subprocess below)."""
    t0 = time.perf_counter()
    with pytest.raises(TooLarge) as info:
        wbmod.check_workbook(path, TITLES)
    assert time.perf_counter() - t0 < 5, "the refusal must come before any reading"
    return info.value


def test_one_cell_at_xfd1048576_is_refused_naming_the_sheet(tmp_path):
    path = far_cell_workbook(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 20_000
    exc = refused(path)
    assert "企业" in exc.message and "16,384 列" in exc.message and exc.extra["sheet"] == "企业"
    assert exc.http_status == 413 and exc.exit_code == 14


def test_the_refusal_happens_without_a_large_allocation(tmp_path):
    """In a process allowed 2.5 GB of address space: a reader that allocated for the
    sheet's rectangle (512 GB) would be killed; the check refuses it and exits cleanly."""
    path = far_cell_workbook(tmp_path / "bomb.xlsx")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))\n"
        "from emergency.errors import TooLarge\n"
        "from enterprise_registry import service\n"
        "try:\n"
        f"    service.check_list_file({str(path)!r})\n"
        "except TooLarge as exc:\n"
        "    print('REFUSED', exc.extra['sheet'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RUST_BACKTRACE": "0"})
    assert proc.returncode == 0 and "REFUSED 企业" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("edit, why", [
    (cells_only, "no <dimension>: the cells themselves are scanned"),
    (lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', x), "a <dimension> that lies"),
    (lambda x: cells_only(x).replace(b'<c r="XFD1048576" t="inlineStr"', b'<c t="inlineStr" r="XFD1048576"'),
     "r not the first attribute"),
    (lambda x: cells_only(x).replace(b'r="XFD1048576"', b"r = 'XFD1048576'"), "odd spacing and quotes"),
    (lambda x: cells_only(x).replace(b'r="XFD1048576"', b'r="&#88;FD1048576"'), "a character reference"),
    (lambda x: cells_only(x).replace(b"<sheetData>", b"<sheetData><!-- a comment -->"), "a comment"),
], ids=["no-dimension", "lying-dimension", "r-not-first", "odd-spacing", "char-ref", "comment"])
def test_far_cells_are_found_however_the_xml_spells_them(tmp_path, edit, why):
    path = rewrite(far_cell_workbook(tmp_path / "bomb.xlsx"), sheet_part(tmp_path / "bomb.xlsx", "企业"), edit)
    exc = refused(path)
    assert "企业" in exc.message, why


def test_positional_cells_without_references_count(tmp_path):
    """Cells without ``r`` are placed one after the other, as the reader places them:
    a row of 300 such cells is 300 columns."""
    path = far_cell_workbook(tmp_path / "wide.xlsx", cell="B2")
    many = b"<row>" + b"<c t=\"inlineStr\"><is><t>x</t></is></c>" * 300 + b"</row>"
    rewrite(path, sheet_part(path, "企业"), lambda x: cells_only(x).replace(b"</sheetData>", many + b"</sheetData>"))
    exc = refused(path)
    assert "201 列" in exc.message


def test_namespaced_cells_count(tmp_path):
    path = far_cell_workbook(tmp_path / "ns.xlsx", cell="B2")

    def prefixed(x: bytes) -> bytes:
        far = b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="9">' \
              b'<x:c r="ZZ9" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c></x:row>'
        return cells_only(x).replace(b"</sheetData>", far + b"</sheetData>")

    rewrite(path, sheet_part(path, "企业"), prefixed)
    exc = refused(path)
    assert "702 列" in exc.message


def test_a_wide_but_short_sheet_within_limits_passes_the_check(tmp_path):
    path = far_cell_workbook(tmp_path / "ok.xlsx", cell="GR1000")  # column 200, row 1000
    wbmod.check_workbook(path, TITLES)  # no exception
    with pytest.raises(TooLarge):
        wbmod.check_workbook(far_cell_workbook(tmp_path / "no.xlsx", cell="GS2"), TITLES)  # column 201


def test_too_many_cells_in_the_rectangle(tmp_path):
    # 200 columns × 125,001 rows = 25,000,200 cells > 25,000,000
    wbmod.check_workbook(far_cell_workbook(tmp_path / "a.xlsx", cell="GR125000"), TITLES)
    with pytest.raises(TooLarge):
        wbmod.check_workbook(far_cell_workbook(tmp_path / "b.xlsx", cell="GR125001"), TITLES)


def _zeros_part(path: Path, megabytes: int, declared: int | None = None) -> Path:
    """A valid list workbook plus one part of ``megabytes`` MB of zeros (deflated to a
    few KB); with ``declared``, the zip's headers claim that uncompressed size instead."""
    write_list_file(generate_registry(20, seed=1), path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", b"\0" * (megabytes << 20))
    if declared is not None:
        data = bytearray(path.read_bytes())
        name = b"xl/media/zeros.bin"
        for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.find(sig + b"")
            while at != -1:
                name_len = int.from_bytes(data[at + (26 if sig == b"PK\x03\x04" else 28):][:2], "little")
                start = at + (30 if sig == b"PK\x03\x04" else 46)
                if bytes(data[start:start + name_len]) == name:
                    data[at + size_at:at + size_at + 4] = declared.to_bytes(4, "little")
                at = data.find(sig, at + 4)
        path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_part_is_refused(tmp_path):
    path = _zeros_part(tmp_path / "bomb.xlsx", 40)
    assert path.stat().st_size < 200_000
    exc = refused(path)
    assert "zeros.bin" in exc.message and "压缩比" in exc.message


def test_sizes_declared_in_the_zip_are_not_trusted(tmp_path):
    path = _zeros_part(tmp_path / "liar.xlsx", 40, declared=1000)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/media/zeros.bin").file_size == 1000  # what the zip claims
    exc = refused(path)
    assert "zeros.bin" in exc.message


def test_not_a_zip_and_a_directory_are_located_registry_errors(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RegistryError, match="不是有效的 .xlsx"):
        service.check_list_file(fake)
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(RegistryError, match="folder.xlsx"):
        service.check_list_file(folder)


def test_the_three_scan_modes_agree_on_a_real_list(tmp_path, monkeypatch):
    """Fast, exact (XML parser) and lenient scans find the same farthest cell of every
    sheet of a generated list as openpyxl does."""
    path = tmp_path / "list.xlsx"
    write_list_file(generate_registry(150, seed=2), path)
    seen: dict[str, dict[str, tuple[int, int]]] = {}
    real = wbmod._SheetScan

    class Recording(real):
        def see(self, row, col):
            super().see(row, col)
            seen.setdefault(self.mode, {})[self.title] = (self.max_row, self.max_col)

    for mode in ("fast", "exact", "lenient"):
        monkeypatch.setattr(wbmod, "_SheetScan", lambda p, t, m="fast", mode=mode: Recording(p, t, mode))
        wbmod.check_workbook(path, TITLES)
    wb = load_workbook(path)
    expected = {t: (wb[t].max_row, wb[t].max_column) for t in TITLES}
    assert seen["fast"] == seen["exact"] == seen["lenient"] == expected


def test_every_part_is_scanned_whatever_the_relationships_say(tmp_path):
    """A crafted workbook can point a sheet at any part: a far cell in a part no
    relationship names as a sheet is still found."""
    path = _zeros_part(tmp_path / "hidden.xlsx", 0)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/xl/worksheets/sheet3.xml",
                   b'<worksheet><sheetData><row r="1"><c r="A1"/><c r="XFD1048576"/></row></sheetData></worksheet>')
    exc = refused(path)
    assert "xl/xl/worksheets/sheet3.xml" in exc.message


def test_xml_a_parser_refuses_is_scanned_leniently(tmp_path):
    """Mismatched end tags (which a forgiving reader accepts) with a far cell."""
    path = far_cell_workbook(tmp_path / "broken.xlsx", cell="B2")
    broken = b'<row r="3"><c r="XFD9"><v>1</v></x></row>'
    rewrite(path, sheet_part(path, "企业"), lambda x: cells_only(x).replace(b"</sheetData>", broken + b"</sheetData>"))
    exc = refused(path)
    assert "企业" in exc.message and "16,384 列" in exc.message


def test_binary_parts_and_images_do_not_trouble_the_check(tmp_path):
    import random

    path = _zeros_part(tmp_path / "pictures.xlsx", 0)
    rng = random.Random(5)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/image1.png", b"\x89PNG" + bytes(rng.randrange(256) for _ in range(300_000)))
    wbmod.check_workbook(path, TITLES)
    assert service.check_list_file(path).n_rows("enterprises") == 20


def test_a_control_character_escaped_in_the_xlsx_is_refused_with_its_place(tmp_path):
    """Excel stores a control character in a text as _x0001_; the reader decodes it. Such a
    name cannot be printed on a notice or written back: refused, located, shown escaped."""
    tables = generate_registry(20, seed=3)
    tables.enterprises["name"][2] = "CTRLMARK公司"
    path = tmp_path / "ctrl.xlsx"
    write_list_file(tables, path)
    rewrite(path, sheet_part(path, "企业"), lambda x: x.replace(b"CTRLMARK", b"A_x0000_B_x0001_"))
    with pytest.raises(ImportRejected) as info:
        service.check_list_file(path)
    (p,) = info.value.problems
    assert (p.sheet, p.row, p.column) == ("企业", 4, "企业名称")
    assert "控制字符 U+0000" in p.reason and p.value == "A\\x00B\\x01公司"


# ---------------------------------------------------------------- writing: never a formula


def _formula_free(path: Path, must_contain: list[str]) -> None:
    wb = load_workbook(path)
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name} {ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    for text in must_contain:
                        if text in cell.value:
                            assert cell.data_type == "s"
                            found.add(text)
    assert found == set(must_contain), f"{path.name}: the names were not written at all ({found})"


def evil_tables(n: int = 120, seed: int = 7) -> RegistryTables:
    tables = generate_registry(n, seed=seed)
    names = tables.enterprises["name"]
    for i in range(len(names)):
        names[i] = EVIL[i % 2] if i < 60 else names[i]
    by_code = dict(zip(tables.enterprises["uscc"], names))
    tables.lines["enterprise_name"] = [by_code[u] for u in tables.lines["uscc"]]
    return tables


def test_list_export_and_round_trip_keep_formula_like_names_as_text(tmp_path):
    tables = evil_tables()
    xlsx = write_list_file(tables, tmp_path / "list.xlsx")
    _formula_free(xlsx, EVIL)
    back = service.check_list_file(xlsx)
    assert back.enterprises["name"] == tables.enterprises["name"]

    folder = write_list_file(tables, tmp_path / "csv")
    raw = (folder / "enterprises.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "'+cmd" in raw  # what Excel opens is text
    assert ',=HYPERLINK' not in raw and ',"=HYPERLINK' not in raw
    back = service.check_list_file(folder)
    assert back.enterprises["name"] == tables.enterprises["name"]


def test_plan_workbook_writes_names_as_text(tmp_path):
    from emergency.plans.service import make_plan
    from emergency.plans.workbook import write_plan_workbook
    from emergency.vocabulary import WarningLevel

    doc = make_plan(evil_tables(), WarningLevel.RED).document
    assert {a.enterprise_name for a in doc.actions} & set(EVIL)
    _formula_free(write_plan_workbook(doc, tmp_path / "plan.xlsx"), EVIL)


def test_rotation_workbook_writes_names_as_text(tmp_path):
    from emergency.rotation.export import write_xlsx
    from emergency.rotation.service import plan_season
    from tests.rotation.factory import firm, tables
    from tests.rotation.test_model import SEASON, rules

    firms = [firm(str(i), name=EVIL[i % 2]) for i in range(1, 5)]
    doc = plan_season(tables(firms), SEASON, rules=rules(min_block_days=3), time_limit=5).document
    _formula_free(write_xlsx(doc, tmp_path / "rotation.xlsx"), EVIL)


def test_scenario_workbook_writes_names_as_text(tmp_path):
    from scenarios.report import write_workbook
    from scenarios.run import run_scenario
    from scenarios.spec import Scenario

    scenario = Scenario.model_validate({
        "name": EVIL[0], "description": EVIL[1], "registry": {"generate": {"enterprises": 60, "seed": 3}},
        "episode": {"level": "orange", "days": 1},
    })
    outcome = run_scenario(scenario, time_limit=5)
    _formula_free(write_workbook([outcome], tmp_path / "scenarios.xlsx"), [EVIL[0]])


def test_template_has_no_formula(tmp_path):
    from enterprise_registry.template import write_template

    path = write_template(tmp_path / "模板.xlsx")
    _formula_free(path, ["统一社会信用代码"])


def test_safe_helpers_on_control_characters_and_formulas():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    cells = wbmod.safe_row(ws, ["=1+1", "a\x00b", "普通", 3, None])
    assert cells[0].data_type == "s" and cells[0].value == "=1+1"
    assert cells[1].value == "a\ufffdb"
    assert cells[2:] == ["普通", 3, None]
    buf = io.BytesIO()
    ws.append(cells)
    wb.save(buf)
    assert load_workbook(io.BytesIO(buf.getvalue()))["s"]["A1"].data_type == "s"
