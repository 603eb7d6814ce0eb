"""The package folder: built whole when new; in an existing folder only the package's own
files are replaced or removed — never the user's, never outside the folder."""

import json
import os

import pytest

from emergency.errors import InputError
from emergency.notices import folder


def test_a_new_folder_appears_whole(tmp_path):
    out = tmp_path / "pkg"
    folder.write(out, {"管控通知/a.html": b"A", "index.html": b"I"}, {"kind": "issue"})
    assert (out / "管控通知" / "a.html").read_bytes() == b"A" and (out / "index.html").read_bytes() == b"I"
    assert json.loads((out / folder.MANIFEST).read_text(encoding="utf-8"))["files"] == ["管控通知/a.html", "index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]  # no temporary folder left beside it


def test_a_failed_build_leaves_no_folder(tmp_path, monkeypatch):
    out = tmp_path / "pkg"

    class Boom(Exception):
        pass

    def boom(self, data):
        raise Boom()

    monkeypatch.setattr(type(out), "write_bytes", boom)
    with pytest.raises(Boom):
        folder.write(out, {"index.html": b"I"}, {})
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_rewriting_keeps_user_files_and_drops_only_stale_package_files(tmp_path):
    out = tmp_path / "pkg"
    folder.write(out, {"管控通知/a.html": b"A1", "管控通知/b.html": b"B1", "index.html": b"I1"}, {"version": 1})
    (out / "备注.txt").write_text("mine", encoding="utf-8")
    (out / "管控通知" / "我的批注.html").write_text("mine too", encoding="utf-8")
    folder.write(out, {"管控通知/a.html": b"A2", "index.html": b"I2"}, {"version": 2})
    assert (out / "管控通知" / "a.html").read_bytes() == b"A2" and not (out / "管控通知" / "b.html").exists()
    assert (out / "备注.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "管控通知" / "我的批注.html").read_text(encoding="utf-8") == "mine too"
    assert (out / "index.html").read_bytes() == b"I2"


def test_a_tampered_manifest_removes_nothing_outside(tmp_path):
    out = tmp_path / "pkg"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    folder.write(out, {"index.html": b"I"}, {})
    (out / folder.MANIFEST).write_text(json.dumps({"files": ["../victim.txt", str(victim), ".x", "a/../../victim.txt"]}))
    folder.write(out, {"index.html": b"I2"}, {})
    assert victim.read_text(encoding="utf-8") == "keep"


def test_paths_outside_or_hidden_are_refused(tmp_path):
    for bad in ("../x.html", "/tmp/x.html", ".hidden.html", "a/../../x.html", ""):
        with pytest.raises(ValueError):
            folder.write(tmp_path / "pkg", {bad: b"x"}, {})
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError):
        folder.write(tmp_path / "file", {"index.html": b"I"}, {})


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_symlinked_subfolder_is_not_followed(tmp_path):
    out = tmp_path / "pkg"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "管控通知").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError):
        folder.write(out, {"管控通知/a.html": b"A", "index.html": b"I"}, {})
    assert list(elsewhere.iterdir()) == []
