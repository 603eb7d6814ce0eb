"""Measure values as the texts give them, read back through `emergency policy show --json`.

Expected values are from DOMAIN §9 (Tangshan 2019 orange, as quoted: coking C as B —
ovens ≥ 6 m 28 h, < 6 m 36 h; steel C as B plus ≥ 50 % of blast furnaces) and from the
house rule that an unconfirmed value stays ``to_verify`` and says what would confirm it.
"""

import json
import shutil

import pytest
from typer.testing import CliRunner

from config import POLICY_DIR
from emergency.cli.main import build_app
from emergency.errors import PolicyError

runner = CliRunner()
LEVELS = ("yellow", "orange", "red")


@pytest.fixture(scope="module")
def national():
    r = runner.invoke(build_app("policy"), ["policy", "show", "--section", "measures", "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["measures"]


def _at(row: dict, level: str) -> dict:
    return row.get(level) or row["all"]


def test_coking_c_at_orange_is_the_tangshan_text(national):
    coking = national["coking"]["processes"]
    assert _at(coking["coke_oven_ge6m"]["C"], "orange")["hours"] == 28
    assert _at(coking["coke_oven_lt6m"]["C"], "orange")["hours"] == 36
    # C as B at orange
    for oven in ("coke_oven_ge6m", "coke_oven_lt6m"):
        assert _at(coking[oven]["C"], "orange")["hours"] == _at(coking[oven]["B"], "orange")["hours"]
        assert _at(coking[oven]["C"], "orange")["action"] == "coking_time_extension"


def test_steel_c_orange_adds_half_the_blast_furnaces(national):
    steel = national["steel"]["processes"]
    bf = _at(steel["blast_furnace"]["C"], "orange")
    assert bf["action"] == "stop_share_of_lines" and bf["share"] == 0.5
    for process in ("sinter", "pellet", "lime_kiln"):
        assert _at(steel[process]["B"], "orange")["action"] == "stop"
        assert _at(steel[process]["C"], "orange")["action"] == "stop"


def test_measures_nest_yellow_never_stricter_than_orange_nor_orange_than_red(national):
    """Measures nest (DOMAIN §7): coking hours never fall from yellow to orange to red."""
    for oven, grades in national["coking"]["processes"].items():
        for grade, row in grades.items():
            hours = [_at(row, lv)["hours"] for lv in LEVELS]
            assert hours == sorted(hours), (oven, grade, hours)


def test_every_unconfirmed_value_says_what_would_confirm_it(national):
    seen = 0
    for industry, table in national.items():
        for process, grades in table["processes"].items():
            for grade, row in grades.items():
                for lv in LEVELS:
                    m = _at(row, lv)
                    if (m.get("confidence") or table["confidence"]) == "to_verify":
                        seen += 1
                        assert (m.get("notes") or table.get("to_verify_notes") or "").strip(), (industry, process, grade, lv)
    assert seen > 0  # the tables do hold unconfirmed values (e.g. every yellow steel row)


def test_coking_rows_without_a_text_are_to_verify(national):
    coking = national["coking"]
    rows = coking["processes"]
    for oven in ("coke_oven_ge6m", "coke_oven_lt6m"):
        for grade in ("B", "C"):
            for lv in ("yellow", "red"):
                assert _at(rows[oven][grade], lv).get("confidence") == "to_verify", (oven, grade, lv)
            assert (_at(rows[oven][grade], "orange").get("confidence") or coking["confidence"]) == "local"
        assert _at(rows[oven]["D"], "orange").get("confidence") == "to_verify"


def test_taiyuan_is_tagged_as_the_example_it_is():
    r = runner.invoke(build_app("policy"), ["policy", "show", "--area", "太原市", "--section", "reduction", "--json"])
    assert r.exit_code == 0, r.output
    reduction = json.loads(r.output)["reduction"]
    assert reduction["confidence"] == "to_verify"
    assert "示例" in reduction["source"]
    assert "Taiyuan" in reduction["notes"] and "confirm" in reduction["notes"].lower()


def test_a_to_verify_value_without_a_note_is_refused_with_its_place(tmp_path):
    dst = tmp_path / "config"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = dst / "national" / "measures" / "carbon.toml"
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("to_verify_notes"))
    path.write_text(text + "\n", encoding="utf-8")
    r = runner.invoke(build_app("policy"), ["policy", "check", str(dst)])
    assert isinstance(r.exception, PolicyError)  # `run()` maps it to exit code 4, without a traceback
    assert "carbon.toml -> measures.carbon.processes.*.B.yellow" in str(r.exception)
    assert "what would confirm it" in str(r.exception)


def _firm_cut(m: dict) -> float:
    """Share of a firm's output of the process that a measure removes (interruptible lines)."""
    return {
        "own_measures": 0.0, "none": 0.0, "truck_ban": 0.0, "stop": 1.0, "stop_keep_warm": 1.0,
        "cut_output": m.get("share"), "stop_share_of_lines": m.get("share"),
        "coking_time_extension": 1.0 - 20.0 / m["hours"] if m.get("hours") else None,
    }[m["action"]]


def test_every_table_nests_red_over_orange_over_yellow(national):
    """DOMAIN §7: what a firm does at red includes orange, and orange includes yellow."""
    for industry, table in national.items():
        for process, grades in table["processes"].items():
            for grade, row in grades.items():
                cuts = [_firm_cut(_at(row, lv)) for lv in LEVELS]
                assert cuts == sorted(cuts), (industry, process, grade, cuts)
