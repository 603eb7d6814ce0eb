"""Files written whole or not at all."""

import pytest

from emergency import atomic_files


class Boom(Exception):
    pass


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    with pytest.raises(Boom):
        with atomic_files.replacing(target) as tmp:
            tmp.write_text("half")
            raise Boom
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_a_set_is_replaced_together_and_never_mixed(tmp_path):
    a, b = tmp_path / "plan.json", tmp_path / "plan.xlsx"
    a.write_text("old json")
    b.write_text("old xlsx")
    with pytest.raises(Boom):
        with atomic_files.replacing_all(a, b) as (ta, tb):
            ta.write_text("new json")
            raise Boom
    assert (a.read_text(), b.read_text()) == ("old json", "old xlsx")
    with atomic_files.replacing_all(a, b) as (ta, tb):
        ta.write_text("new json")
        tb.write_text("new xlsx")
    assert (a.read_text(), b.read_text()) == ("new json", "new xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "plan.xlsx"]


def test_a_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "通知"
    with atomic_files.replacing_dir(out) as d:
        (d / "a.html").write_text("1")
    with pytest.raises(Boom):
        with atomic_files.replacing_dir(out) as d:
            (d / "b.html").write_text("2")
            raise Boom
    assert [p.name for p in out.iterdir()] == ["a.html"]
    with atomic_files.replacing_dir(out) as d:
        (d / "b.html").write_text("2")
    assert [p.name for p in out.iterdir()] == ["b.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["通知"]
