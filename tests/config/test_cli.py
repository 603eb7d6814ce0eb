import json
import shutil
import subprocess
import sys

from typer.testing import CliRunner

from config import POLICY_DIR
from emergency.cli.main import app

runner = CliRunner()


def test_policy_show_json_for_a_city():
    r = runner.invoke(app, ["policy", "show", "--area", "太原市", "--section", "reduction", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["reduction"]["ratios"]["yellow"]["VOCs"] == 0.15
    assert doc["provenance"]["reduction.ratios.yellow.VOCs"].endswith("local/shanxi/taiyuan.toml")


def test_policy_show_tables():
    r = runner.invoke(app, ["policy", "show", "--area", "演示市"])
    assert r.exit_code == 0, r.output
    assert "水泥熟料" in r.output and "预警规则 2024" in r.output


def test_policy_check_broken_dir_exits_nonzero(tmp_path):
    dst = tmp_path / "config"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    f = dst / "national/measures/foundry.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('share = 0.3', 'share = "lots"', 1), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "policy", "check", str(dst)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 4
    assert "foundry.toml -> measures.foundry.processes.*.B.yellow.share" in proc.stderr
    assert "Traceback" not in proc.stderr
