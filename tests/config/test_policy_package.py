"""A policy directory is one package: its own industries.toml goes with its measures.

A copy of config/ adds an industry (试验窑炉, code ``test_kiln``, one process 窑炉) to its
industries.toml with a measure file for it. `emergency policy check DIR` must accept
it; with EMERGENCY_POLICY_DIR=DIR a list whose firm is in that industry imports and is
planned with the copy's measure (C at orange: stop); the packaged directory, which has
no such industry, refuses the same list. A measure file for an industry the directory's
catalogue does not hold is refused by `policy check DIR` even though the packaged
catalogue is not consulted at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime

import pytest

from config import POLICY_DIR
from config.industries import load_industries
from config.policy import load_policy
from emergency.errors import PolicyError, RegistryError
from enterprise_registry.columns import RegistryTables
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

NOW = datetime(2026, 12, 2, 20, 0)

NEW_INDUSTRY = """
[industries.test_kiln]
name_zh = "试验窑炉"
key = true
grading = "ABCD"
processes = { kiln = "窑炉" }
"""

NEW_MEASURES = """industry = "test_kiln"
source = "本测试自拟的地方措施表"
confidence = "local"

[processes."*".B]
yellow = { action = "cut_output", share = 0.2 }
orange = { action = "cut_output", share = 0.4 }
red = { action = "stop" }
[processes."*".C]
yellow = { action = "cut_output", share = 0.3 }
orange = { action = "stop" }
red = { action = "stop" }
[processes."*".D]
all = { action = "stop" }
"""


def emergency(*args, env=None):
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True,
        env={k: v for k, v in {**os.environ, "COLUMNS": "200", "EMERGENCY_NOW": NOW.isoformat(), **(env or {})}.items()
             if v is not None},
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def own_dir(tmp_path):
    dst = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    with (dst / "industries.toml").open("a", encoding="utf-8") as f:
        f.write(NEW_INDUSTRY)
    (dst / "national/measures/test_kiln.toml").write_text(NEW_MEASURES, encoding="utf-8")
    return dst


def test_policy_check_validates_the_directorys_own_catalogue(own_dir):
    code, out = emergency("policy", "check", own_dir)
    assert code == 0, out
    policy = load_policy(None, own_dir)
    assert policy.industries.industries["test_kiln"].name_zh == "试验窑炉"
    assert "test_kiln" not in load_policy(None, POLICY_DIR).industries.industries
    # the catalogue is no part of the policy's JSON (`policy show --json` keeps its shape)
    assert "industries" not in json.loads(policy.model_dump_json())


def test_a_measure_file_without_its_catalogue_entry_is_refused(tmp_path):
    dst = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (dst / "national/measures/test_kiln.toml").write_text(NEW_MEASURES, encoding="utf-8")
    code, out = emergency("policy", "check", dst)
    assert code == PolicyError.exit_code, out
    assert "measures.test_kiln" in out and "unknown industry" in out and "Traceback" not in out
    assert str(dst) not in out


def test_the_catalogue_follows_emergency_policy_dir(own_dir, monkeypatch):
    assert "test_kiln" not in load_industries().industries
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(own_dir))
    assert load_industries().industries["test_kiln"].processes == {"kiln": "窑炉"}
    assert "test_kiln" not in load_industries(POLICY_DIR).industries


def _list_with_new_industry(own_dir, tmp_path, monkeypatch):
    """The demo city with its first firm moved to 试验窑炉, grade C, written as people
    write it (Chinese industry and process names)."""
    t = generate_registry(60, seed=4)
    ents = {k: list(v) for k, v in t.enterprises.items()}
    lines = {k: list(v) for k, v in t.lines.items()}
    uscc = ents["uscc"][0]
    ents["industry"][0], ents["grade"][0] = "test_kiln", "C"
    ents["essential_category"][0], ents["small_micro"][0] = "无", False
    for i, u in enumerate(lines["uscc"]):
        if u == uscc:
            lines["process"][i] = "kiln"
            lines["interruptible"][i] = True
    tables = RegistryTables(version=t.version, areas=t.areas, enterprises=ents, lines=lines)
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(own_dir))  # names from the copy's catalogue
    path = write_list_file(tables, tmp_path / "list")
    monkeypatch.delenv("EMERGENCY_POLICY_DIR")
    return path, uscc


def test_a_list_in_the_new_industry_imports_and_plans_only_under_its_directory(own_dir, tmp_path, monkeypatch, sqlite_url):
    path, uscc = _list_with_new_industry(own_dir, tmp_path, monkeypatch)
    code, out = emergency("registry", "import", path, "--database", sqlite_url,
                          "--report", tmp_path / "packaged.errors.txt", env={"EMERGENCY_POLICY_DIR": None})
    assert code == RegistryError.exit_code, out  # the packaged catalogue has no 试验窑炉
    assert "试验窑炉" in (tmp_path / "packaged.errors.txt").read_text(encoding="utf-8")

    env = {"EMERGENCY_POLICY_DIR": str(own_dir)}
    code, out = emergency("registry", "import", path, "--database", sqlite_url, env=env)
    assert code == 0, out
    code, out = emergency("registry", "show", uscc, "--database", sqlite_url, env=env)
    assert code == 0 and "试验窑炉" in out, out
    code, out = emergency("plan", "--level", "orange", "--out", tmp_path / "plan.json", "--database", sqlite_url, env=env)
    assert code in (0, 10), out
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    mine = [a for a in doc["actions"] if a["enterprise_uscc"] == uscc]
    assert mine, "the 试验窑炉 firm's lines are planned"
    # C at orange in the copy's table: stop, said with the copy's industry and process names
    assert all(a["measure"] == "stop" and a["basis"] == "floor" for a in mine), mine[0]
    assert all("试验窑炉" in a["reason"] and "窑炉" in a["reason"] for a in mine), mine[0]
    assert "本测试自拟的地方措施表" in doc["sources"].values()


def test_a_gbk_catalogue_is_refused_with_its_name_and_line(own_dir):
    text = (own_dir / "industries.toml").read_text(encoding="utf-8")
    (own_dir / "industries.toml").write_bytes(text.encode("gbk", errors="replace"))
    code, out = emergency("policy", "check", own_dir)
    assert code == PolicyError.exit_code, out
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if not t.isascii())
    assert "industries.toml" in out and "不是 UTF-8" in out and f"第 {line} 行" in out and "Traceback" not in out
    assert str(own_dir) not in out
