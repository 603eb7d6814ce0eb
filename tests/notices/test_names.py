"""File names made from firm and county names never leave the package folder."""

import unicodedata
from pathlib import Path

import pytest

from emergency.notices.names import UniqueNames, href, safe_component

HOSTILE = [
    "../../etc/passwd", "..", ".", "...", ".hidden", "a/b\\c", "/abs/path", "C:\\Windows\\system32", "CON", "nul.html",
    "bell\x07\x1b[31mred", "line\nbreak\rcarriage\ttab", "\x00\x00", "", "   ", "名" * 400, "x" * 1000,
    'q"u<o>t|e*s?:', "\u202eevil\u200b", "trailing. . .", "=HYPERLINK(\"http://x\",\"y\")",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_stays_one_harmless_component(name, tmp_path):
    safe = safe_component(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert not safe.startswith(".") and not safe.endswith((".", " ")) and safe not in (".", "..")
    assert not any(unicodedata.category(ch)[0] == "C" for ch in safe)
    assert not any(ch in safe for ch in ':*?"<>|')
    assert len(safe.encode("utf-8")) <= 90
    assert safe.split(".")[0].upper() not in ("CON", "NUL")
    target = tmp_path / "管控通知" / f"{safe}.html"
    assert target.resolve().parent == (tmp_path / "管控通知").resolve()
    target.parent.mkdir(exist_ok=True)
    target.write_text("ok", encoding="utf-8")  # a real file system accepts it
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    target.unlink()


def test_ordinary_names_are_kept_and_long_ones_cut_on_a_character():
    assert safe_component("演示市东山县") == "演示市东山县"
    assert safe_component("A & B 有限公司") == "A & B 有限公司"
    cut = safe_component("名" * 400)
    assert cut == "名" * 30  # 90 bytes = 30 three-byte characters, none split
    assert safe_component("a/b") == "a_b" and safe_component("../x") == "_x"
    assert safe_component("", fallback="未注明区县") == "未注明区县"
    assert safe_component("CON") == "_CON"


def test_unique_names_and_links():
    names = UniqueNames()
    assert names.take("城区", ".html") == "城区.html"
    assert names.take("城区", ".html") == "城区 (2).html"
    assert names.take("ABC", ".html") == "ABC.html" and names.take("abc", ".html") == "abc (2).html"
    assert href("管控通知/a#b%c d.html") == "%E7%AE%A1%E6%8E%A7%E9%80%9A%E7%9F%A5/a%23b%25c%20d.html"
    assert Path(href("x/y.html")).parts == ("x", "y.html")
