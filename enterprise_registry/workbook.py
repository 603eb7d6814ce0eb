"""The list as an .xlsx workbook: sheets 清单版本, 区域, 企业, 生产线.

Reading uses python-calamine (a Rust reader): openpyxl's read-only mode is several
times slower on a 250,000-row sheet (see benchmarks/registry_io.py). Before it reads,
:func:`check_workbook` inflates every part of the zip itself and scans the sheets for
their farthest cell, so a zip bomb or a sheet reaching XFD1048576 is refused
(TooLarge, naming the sheet) instead of asking the reader for hundreds of GB. Writing
uses openpyxl's write-only mode, which streams rows and keeps memory flat; every text
cell we write goes through :func:`safe_value` / :func:`safe_row` / :func:`neutralise`
(never a live formula, no control characters), and files are written whole or not at
all.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.errors import InputError, RegistryError, TooLarge
from enterprise_registry.cells import sheet_rows
from enterprise_registry.columns import SHEETS, ColumnSpec, RegistryTables, written_columns

Progress = Callable[[str, int], None]  # (sheet key, rows written)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PROGRESS_EVERY = 20_000


def column_width(header: str) -> int:
    return max(10, len(header) * 2)


# ---------------------------------------------------------------- reading, bounded

# What a list workbook may hold before we let the reader near it. The reader (calamine)
# allocates one cell for every position between A1 and the farthest cell of a sheet:
# a 115 KB file with one cell at XFD1048576 asked it for 512 GB. A list of 10^5
# enterprises has about 250,000 line rows × 20 columns (≈ 5·10^6 cells, 220 MB of
# sheet XML), well inside these.
MAX_ROWS = 1_100_000
MAX_COLUMNS = 200
MAX_CELLS = 25_000_000  # rows × columns of a sheet's rectangle from A1
MAX_PART_BYTES = 1 << 30  # one part of the zip, uncompressed
MAX_TOTAL_BYTES = 3 << 29  # all parts, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for parts above RATIO_FROM bytes (sheet XML: 8–20)
RATIO_FROM = 8 << 20
MAX_PARTS = 10_000
_CHUNK = 1 << 22
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def read_workbook(path: Path) -> dict[str, tuple[str, list[list[Any]]]]:
    """Every sheet's cells from A1 (``sheet key -> (sheet title, rows)``), after
    :func:`check_workbook` found the file within the limits."""
    from python_calamine import CalamineError, CalamineWorkbook

    path = Path(path)
    check_workbook(path, [s.title for s in SHEETS])
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise RegistryError(f"无法读取Excel文件 {path}（文件损坏或不是 .xlsx？）: {exc}") from None
    names = {name.strip(): name for name in wb.sheet_names}
    missing = [s.title for s in SHEETS if s.title not in names]
    if missing:
        raise RegistryError(
            f"{path}: 缺少工作表 (missing sheets) {'、'.join(missing)}；清单应包含工作表 "
            + "、".join(s.title for s in SHEETS)
            + "（可用 emergency registry template 生成模板）"
        )
    out = {}
    for spec in SHEETS:
        try:
            out[spec.key] = (spec.title, wb.get_sheet_by_name(names[spec.title]).to_python(skip_empty_area=False))
        except (CalamineError, ValueError, OverflowError) as exc:  # e.g. a date cell beyond year 9999
            raise RegistryError(f"{path}: 工作表“{spec.title}”无法读取（含无法识别的单元格）: {exc}") from None
    return out


def check_workbook(path: Path, titles: list[str] | None = None) -> None:
    """Refuse, before any reader allocates for it, a workbook that is not a zip, whose
    parts inflate beyond :data:`MAX_PART_BYTES` / :data:`MAX_TOTAL_BYTES` or by more than
    :data:`MAX_RATIO` (a zip bomb), or with a sheet that declares (``<dimension ref>``)
    or holds cells beyond :data:`MAX_ROWS` × :data:`MAX_COLUMNS` or :data:`MAX_CELLS`.

    Each part is inflated here as the reader would (bounded by its compressed size, not
    trusting the sizes the zip declares) and scanned for its farthest cell while it
    inflates. Every part is scanned, not only the ones the workbook's relationships name
    as sheets (a crafted workbook can point a sheet at any part, and the reader resolves
    names its own way); ``titles`` only names the sheets in messages (default: all).

    Raises :class:`RegistryError` (not an .xlsx, encrypted, unsupported compression) or
    :class:`TooLarge` naming the file, the sheet (or part) and the limit."""
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise RegistryError(f"无法打开文件 {path}: {exc.strerror or exc}") from None
    with raw:
        try:
            zf = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise RegistryError(
                f"无法读取Excel文件 {path}：不是有效的 .xlsx 文件（文件损坏，或是 .xls / .csv 改了扩展名？请在 Excel 中另存为 .xlsx）"
            ) from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_PARTS:
                raise TooLarge(f"{path}: 文件内部件过多（{len(infos)} 个），不是正常的清单文件 (too many parts)")
            names = _sheet_titles(raw, zf, path, titles)
            total = 0
            for info in infos:
                title = names.get(info.filename.lower(), info.filename)
                total += _scan_part(raw, info, path, title)
                if total > MAX_TOTAL_BYTES:
                    raise TooLarge(f"{path}: 解压后超过 {MAX_TOTAL_BYTES >> 20} MB，不是正常的清单文件（压缩炸弹？）(too large when unpacked)")


def _scan_part(raw, info: zipfile.ZipInfo, path: Path, title: str) -> int:
    """Inflate and scan one part: the fast scan, else the exact (XML parser) scan, else —
    for XML the parser refuses but a lenient reader might still read — the lenient one."""
    for mode in ("fast", "exact", "lenient"):
        try:
            return _inflate(raw, info, path, _SheetScan(path, title, mode).feed)
        except _Irregular:
            continue
    raise AssertionError("the lenient scan reads anything")  # pragma: no cover


class _Irregular(Exception):
    """The part is not in the form this scan mode reads: scan it again in the next mode."""


def _inflate(raw, info: zipfile.ZipInfo, path: Path, sink=None, limit: int = MAX_PART_BYTES) -> int:
    """Inflate one part from its compressed bytes (as many as the central directory says,
    the way the reader does), feeding ``sink`` and counting; returns the true size."""
    if info.flag_bits & 0x1:
        raise RegistryError(f"{path}: 文件已加密，请去掉密码后另存为 .xlsx (encrypted)")
    if info.compress_type not in _SUPPORTED:
        raise RegistryError(f"{path}: 不支持的压缩方式（{info.compress_type}），请在 Excel 中另存为 .xlsx")
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise RegistryError(f"{path}: 不是有效的 .xlsx 文件（压缩包结构损坏）")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size = 0
    ratio_cap = max(RATIO_FROM, MAX_RATIO * max(info.compress_size, 1))

    def out(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > limit or size > ratio_cap:
            what = f"超过 {limit >> 20} MB" if size > limit else f"压缩比超过 {MAX_RATIO} 倍"
            raise TooLarge(f"{path}: 部件 {info.filename} 解压后{what}，不是正常的清单文件（压缩炸弹？）(too large when unpacked)")
        if sink is not None and data:
            sink(data)

    try:
        while left > 0:
            chunk = raw.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            if inflater is None:
                out(chunk)
                continue
            data = inflater.decompress(chunk, _CHUNK)
            out(data)
            while inflater.unconsumed_tail and not inflater.eof:
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                out(data)
        if inflater is not None:
            out(inflater.flush())
    except zlib.error:
        raise RegistryError(f"{path}: 不是有效的 .xlsx 文件（部件 {info.filename} 已损坏）") from None
    if sink is not None:
        sink(b"")  # the end: the scan reads what it kept back
    return size


def _sheet_titles(raw, zf: zipfile.ZipFile, path: Path, titles: list[str] | None) -> dict[str, str]:
    """Lower-cased part name -> sheet title, from xl/workbook.xml and its relationships
    (best effort, for messages only: every part is scanned whatever its name)."""
    import xml.etree.ElementTree as ET

    def small(name: str) -> bytes | None:
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        parts: list[bytes] = []
        _inflate(raw, info, path, parts.append, limit=16 << 20)
        return b"".join(parts)

    out: dict[str, str] = {}
    try:
        book, rels = small("xl/workbook.xml"), small("xl/_rels/workbook.xml.rels")
        if book is None or rels is None:
            return out
        targets = {}
        for rel in ET.fromstring(rels):
            target = (rel.get("Target") or "").replace("\\", "/")
            targets[rel.get("Id")] = target[1:] if target.startswith("/") else "xl/" + target
        wanted = None if titles is None else set(titles)
        for el in ET.fromstring(book).iter():
            if el.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            title = (el.get("name") or "").strip()
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if rid in targets and (wanted is None or title in wanted):
                out[targets[rid].lower()] = title
    except ET.ParseError:
        pass
    return out


_ROW_RE = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_COL_RE = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_PREFIXED_CELL = re.compile(rb"<[^\s<>/!?:]+:c[\s/>]")
_DIMENSION = re.compile(rb"""<(?:[^\s<>/!?:]+:)?dimension\s[^>]*?\bref\s*=\s*(["'])([^"']*)\1""")
_REF_RE = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,9})")
_ANY_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?(row|c|dimension)(?=[\s/>])([^>]*)")
_FIRST_R = re.compile(rb"""(?<![\w.:-])r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ANY_REF = re.compile(rb"""(?<![\w.:-])ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ANY_R = re.compile(rb"""(?<![\w.-])(?:[\w.-]+:)?r\s*=\s*(?:"([^"<>]{1,40})"|'([^'<>]{1,40})')""")
_ODD_CELL = (b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref(text: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference like ``XFD1048576`` (None if not one)."""
    m = _REF_RE.fullmatch(text.strip())
    return (int(m.group(2)), column_number(m.group(1))) if m else None


class _SheetScan:
    """The farthest cell of one part, found while it is inflated, in one of three modes.

    ``fast`` reads the plain form spreadsheet programs write: every cell tag is
    ``<c r="B7" …`` and there are no comments, CDATA or processing instructions (so
    every ``<c `` is a cell); it counts the cell tags and their references and raises
    :class:`_Irregular` at anything else (a cell without ``r`` or with ``r`` not first, a
    namespace prefix, odd spacing or quotes, comments). ``exact`` follows rows and cells
    with an XML parser as the reader does (a cell without ``r`` is the next of its row;
    character references decoded); XML the parser refuses goes to ``lenient``, which
    counts every row and cell tag it can see and every ``r="…"`` anywhere as a cell —
    over-counting, never under-counting, what a forgiving reader might make of it."""

    def __init__(self, path: Path, title: str, mode: str = "fast"):
        self.path, self.title, self.mode = path, title, mode
        self.carry = b""
        self.first = True
        self.max_row = self.max_col = 0
        self.row = self.col = self.cells = 0
        self.head = True  # before <sheetData>: look for <dimension>
        if mode == "exact":
            import xml.parsers.expat

            self.parser = xml.parsers.expat.ParserCreate()
            self.parser.StartElementHandler = lambda name, attrs: self._tag(name.rsplit(":", 1)[-1], attrs.get("r"), attrs)
            self.expat_error = xml.parsers.expat.ExpatError

    def refuse(self, what: str) -> None:
        raise TooLarge(
            f"{self.path}: 工作表“{self.title}”{what}，超过上限（最多 {MAX_ROWS:,} 行、{MAX_COLUMNS} 列、"
            f"{MAX_CELLS:,} 个单元格）：请删除多余的行、列（包括只设了格式的空单元格）后另存 (sheet too large)",
            sheet=self.title,
        )

    def see(self, row: int, col: int) -> None:
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if self.max_row > MAX_ROWS or self.max_col > MAX_COLUMNS or self.max_row * self.max_col > MAX_CELLS:
            self.refuse(f"的单元格 {_letters(col)}{row} 使表格达到 {self.max_row:,} 行 × {self.max_col:,} 列")

    def dimension(self, ref: str) -> None:
        far = _ref(ref.split(":")[-1])
        if far is not None:
            rows, cols = far
            if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
                self.refuse(f"声明的范围 {ref} 有 {rows:,} 行 × {cols:,} 列")

    def feed(self, data: bytes) -> None:
        """Scan the next inflated bytes (``b""`` at the end)."""
        if self.mode == "exact":
            try:
                self.parser.Parse(data, not data)
            except self.expat_error:
                raise _Irregular from None
            return
        buf = self.carry + data
        if self.first:
            self.first = False
            buf = buf.removeprefix(b"\xef\xbb\xbf")
            if buf.startswith(b"<?xml") and self.mode == "fast":
                buf = buf[buf.find(b"?>") + 2:]
        if data:  # every tag is read whole: what follows the last "<" waits for the next chunk
            cut = buf.rfind(b"<")
            buf, self.carry = (buf, b"") if cut == -1 else (buf[:cut], buf[cut:])
            if len(self.carry) > 8 * _CHUNK:
                raise RegistryError(f"{self.path}: 工作表“{self.title}”的 XML 结构异常（单个标记或文本过长）")
        else:
            self.carry = b""
        if self.mode == "fast":
            self._fast(buf)
        else:
            self._lenient(buf)

    def _fast(self, buf: bytes) -> None:
        if self.head:
            m = _DIMENSION.search(buf)
            if m:
                self.dimension(html.unescape(m.group(2).decode("utf-8", "replace")))
            self.head = b"<sheetData" not in buf and m is None
        cells = buf.count(b"<c ")
        if b"<!" in buf or b"<?" in buf or b":c" in buf and _PREFIXED_CELL.search(buf):
            raise _Irregular
        if buf.count(b"<c") != cells and any(odd in buf for odd in _ODD_CELL):  # "<col", "<cols" are fine
            raise _Irregular
        rows = _ROW_RE.findall(buf)
        if len(rows) != cells:
            raise _Irregular
        if rows:
            self.cells += len(rows)
            self.see(max(map(int, set(rows))), max(column_number(c.decode()) for c in set(_COL_RE.findall(buf))))

    def _lenient(self, buf: bytes) -> None:
        for m in _ANY_TAG.finditer(buf):
            attrs = m.group(2)
            r = _FIRST_R.search(attrs)
            value = None if r is None else html.unescape((r.group(1) or r.group(2) or b"").decode("utf-8", "replace"))
            ref = _ANY_REF.search(attrs) if m.group(1) == b"dimension" else None
            extra = {"ref": html.unescape((ref.group(1) or ref.group(2)).decode("utf-8", "replace"))} if ref else {}
            self._tag(m.group(1).decode(), value, extra)
        for r in _ANY_R.finditer(buf):  # a reference wherever a forgiving reader might take one from
            at = _ref(html.unescape((r.group(1) or r.group(2)).decode("utf-8", "replace")))
            if at is not None:
                self.see(*at)

    def _tag(self, local: str, r: str | None, attrs: dict) -> None:
        if local == "c":
            at = _ref(r) if r else None
            if at is None:
                at = (max(self.row, 1), self.col + 1)
            self.col = at[1]
            self.cells += 1
            if self.cells > MAX_CELLS:
                self.refuse(f"有超过 {MAX_CELLS:,} 个单元格")
            self.see(*at)
        elif local == "row":
            r = (r or "").strip()
            self.row = int(r) if r.isdigit() and len(r) < 10 else self.row + 1
            self.col = 0
            if self.row > MAX_ROWS:
                self.see(self.row, 1)
        elif local == "dimension" and attrs.get("ref"):
            self.dimension(attrs["ref"])


def _letters(col: int) -> str:
    return get_column_letter(col) if 1 <= col <= 18278 else f"第{col}列"


def clean_text(value: str) -> str:
    """``value`` without the control characters a workbook cannot hold (each becomes U+FFFD)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def safe_value(ws, value: Any) -> Any:
    """A value to write into a cell of ``ws`` that is never a live formula: a text starting
    with ``=`` (or holding control characters) becomes a cell typed as text, shown as
    written; everything else is returned as is. Every workbook we write goes through
    this (a firm named ``=HYPERLINK(…)`` must not become a link in an officer's Excel)."""
    if not isinstance(value, str) or (value.isprintable() and not value.startswith("=")):
        return value
    cell = WriteOnlyCell(ws, value=clean_text(value))
    cell.data_type = "s"
    return cell


def safe_row(ws, values) -> list[Any]:
    """:func:`safe_value` of each value (for ``ws.append``)."""
    return [safe_value(ws, v) for v in values]


def neutralise(cell) -> None:
    """For a cell of a normal (not write-only) sheet, after its value was set: a text
    read as a formula is stored as text; control characters are replaced."""
    if isinstance(cell.value, str) and (cell.data_type == "f" or not cell.value.isprintable()):
        cell.value = clean_text(cell.value)
        cell.data_type = "s"


def _header_cells(ws, columns: tuple[ColumnSpec, ...]) -> list[WriteOnlyCell]:
    cells = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True)
        cells.append(cell)
    return cells


def write_workbook(tables: RegistryTables, path: Path, progress: Progress | None = None) -> None:
    """Write the four sheets with openpyxl's write-only (streaming) workbook, whole or not
    at all (a temporary file beside ``path``, renamed over it at the end; a folder that
    cannot be written fails before any work)."""
    with replacing(Path(path)) as tmp:
        _write_sheets(tables, tmp, progress)


@contextmanager
def replacing(path: Path):
    """``emergency.atomic_files.replacing`` for a file we write, with a folder that cannot
    be written reported as an InputError naming ``path`` (not the temporary file)."""
    from emergency.atomic_files import replacing as atomic

    try:
        with atomic(Path(path)) as tmp:
            yield tmp
    except OSError as exc:
        raise InputError(f"{path}: 无法写入（{exc.strerror or exc}）(cannot write)", file=str(path)) from None


def _write_sheets(tables: RegistryTables, path: Path, progress: Progress | None) -> None:
    wb = Workbook(write_only=True)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.freeze_panes = "A2"
        columns = written_columns(spec, getattr(tables, spec.key))
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column_width(c.header)
        ws.append(_header_cells(ws, columns))
        for i, row in enumerate(sheet_rows(spec, getattr(tables, spec.key)), start=1):
            ws.append(safe_row(ws, row))
            if progress and i % PROGRESS_EVERY == 0:
                progress(spec.key, i)
    wb.save(path)
