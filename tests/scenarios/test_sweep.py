"""Scenario sweeps (issue 18 item 5): the file, its expansion, one run's numbers, failures
reported per run, and the same numbers in-process and on a Dask cluster of worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from emergency.cli.main import app
from emergency.errors import EmergencyError, InputError
from emergency.vocabulary import WarningLevel as L
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry
from scenarios.dask_runner import run_sweep
from scenarios.sweep import expand, load_sweep, run_one

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios"
RED_EPISODE = str(EXAMPLES / "red_episode.toml")
RED_UPGRADED = str(EXAMPLES / "red_upgraded.toml")  # its own [whatif]: upgrade_c_to_b = 0.4


def _write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


FULL = f"""
name = "全轴"
base = ['{RED_EPISODE}', '{RED_UPGRADED}']
levels = ["red"]
level_days = 2

[[members]]
name = "m1"
daily_aqi = [210, 260]
[[members]]
name = "m2"
daily_aqi = [160, 330, 320]

[[cities]]
generate = {{ enterprises = 40, seed = 3, city = "甲市" }}
[[cities]]
name = "乙"
generate = {{ enterprises = 30, seed = 4 }}

[[whatifs]]
name = "基准"
[[whatifs]]
name = "关停5%"
close_share = 0.05
[[whatifs]]
name = "不升级"
upgrade_c_to_b = 0.0
"""


def test_expansion_is_ordered_with_stable_ids(tmp_path):
    sweep = load_sweep(_write(tmp_path, FULL))
    runs = expand(sweep)
    assert len(runs) == 2 * 2 * 3 * 3  # bases × cities × (2 members + 1 level) × what-ifs
    ids = [r.run_id for r in runs]
    assert ids[:4] == ["B01-C01-E01-W01", "B01-C01-E01-W02", "B01-C01-E01-W03", "B01-C01-E02-W01"]
    assert ids[-1] == "B02-C02-E03-W03"
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [r.run_id for r in expand(load_sweep(tmp_path / "sweep.toml"))] == ids  # same file, same ids

    r = {x.run_id: x for x in runs}
    one = r["B02-C02-E03-W02"]
    assert one.labels == {"base": "红色过程：40%的C级企业升为B级", "city": "乙", "episode": "红色", "whatif": "关停5%"}
    assert one.scenario.episode.level is L.RED and one.scenario.episode.days == 2
    # the axis what-if is laid over the base's own: the upgrade of red_upgraded stays, 5 % close
    assert one.scenario.whatif.upgrade_c_to_b == 0.4 and one.scenario.whatif.close_share == 0.05
    # ... and a what-if naming a field replaces the base's value
    assert r["B02-C01-E01-W03"].scenario.whatif.upgrade_c_to_b == 0.0
    assert r["B01-C01-E02-W01"].scenario.episode.daily_aqi == [160, 330, 320]
    assert r["B01-C01-E01-W01"].labels["city"] == "甲市"
    assert all(x.scenario.cost_curve is None for x in runs)  # cost_curves = false by default


def test_without_axes_one_run_of_the_base(tmp_path):
    runs = expand(load_sweep(_write(tmp_path, f"name = 'x'\nbase = '{RED_EPISODE}'\n")))
    assert [r.run_id for r in runs] == ["B01-C01-E01-W01"]
    assert runs[0].labels["episode"] == "基准" and runs[0].labels["whatif"] == "基准"
    assert runs[0].scenario.episode.daily_aqi == [160, 215, 262, 318, 334, 247, 150, 110]


@pytest.mark.parametrize("text, says", [
    (f"name = 'x'\nbase = ['{RED_EPISODE}']\nworkers = 3\n", "workers"),  # unknown key
    (f"name = 'x'\nbase = ['{RED_EPISODE}']\nlevels = ['none']\n", "levels"),
    (f"name = 'x'\nbase = ['{RED_EPISODE}']\n[[members]]\nname = 'a'\ndaily_aqi = [1]\n[[members]]\nname = 'a'\ndaily_aqi = [2]\n",
     "given twice: a"),
    (f"name = 'x'\nbase = ['{RED_EPISODE}']\n[[cities]]\nname = 'c'\n", "generate"),
    (f"name = 'x'\nbase = ['{RED_EPISODE}']\n[[cities]]\ngenerate = {{ enterprises = 5, region = 'mars' }}\n", "mars"),
    ("name = 'x'\nbase = ['nowhere.toml']\n", "nowhere.toml"),
])
def test_bad_sweep_files_refused_with_the_place(tmp_path, text, says):
    with pytest.raises(InputError) as err:
        load_sweep(_write(tmp_path, text))
    assert says in err.value.message and "sweep.toml" in err.value.message


def test_a_fixed_red_run_checked_against_its_plan(tmp_path):
    """Two days at red: lost value = 2 × the plan's objective; the plan within the engine's
    gap of its LP bound; every target met; the list is the generated one."""
    sweep = load_sweep(_write(tmp_path, f"""
name = "x"
base = '{RED_EPISODE}'
levels = ["red"]
level_days = 2
[[cities]]
generate = {{ enterprises = 60, seed = 7, city = "丙市" }}
"""))
    (spec,) = expand(sweep)
    r = run_one(spec)
    assert r.ok, r.error
    listed = generate_registry(60, 7, city="丙市")
    assert r.city_name == "丙市" and r.enterprises == 60 and r.lines == len(listed.lines["uscc"])
    assert r.days_by_level == {"red": 2} and r.warning_days == 2
    (plan,) = r.plans
    assert plan["level"] == "red" and plan["day"] == 1 and plan["feasible"]
    assert r.lost_value_yuan == pytest.approx(2 * plan["objective_yuan"], rel=1e-12)
    assert plan["lower_bound_yuan"] <= plan["objective_yuan"] <= plan["lower_bound_yuan"] / (1 - 5e-4) + 1
    assert r.reductions and all(x["achieved_kg"] >= x["required_kg"] * (1 - 1e-9) for x in r.reductions)
    assert r.min_achieved_over_required >= 1 - 1e-9


TWO_CITIES = f"""
name = "两市"
base = '{RED_EPISODE}'
levels = ["red"]
level_days = 1
[[members]]
name = "m1"
daily_aqi = [215, 262, 318, 247, 150]
[[cities]]
name = "甲市"
generate = {{ enterprises = 150, seed = 3, city = "甲市" }}
[[cities]]
name = "乙市"
generate = {{ enterprises = 80, seed = 5, city = "乙市" }}
[[whatifs]]
name = "基准"
[[whatifs]]
name = "创A升B"
upgrade_c_to_b = 0.4
"""


def test_same_numbers_in_process_and_on_a_cluster_of_worker_processes(tmp_path):
    from distributed import Client, LocalCluster

    runs = expand(load_sweep(_write(tmp_path, TWO_CITIES)))
    here = run_sweep(runs, local=True)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        from scenarios.dask_runner import run_on_client

        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            pids = set(client.run(lambda: __import__("os").getpid()).values())
            there = run_on_client(client, list(reversed(runs)), None)  # submitted in another order
    assert len(pids) == 2 and __import__("os").getpid() not in pids  # other processes did the work
    assert [r.run_id for r in there] == [r.run_id for r in runs]  # gathered in run-id order
    assert all(r.ok for r in here + there), [r.error for r in here + there if not r.ok]
    assert all(r.limit_reached == 0 for r in here + there)
    for a, b in zip(here, there):
        assert a.plans and [p["objective_yuan"] for p in a.plans] == [p["objective_yuan"] for p in b.plans], a.run_id
        assert a.lost_value_yuan == b.lost_value_yuan, a.run_id
        assert a.reductions == b.reductions, a.run_id
        assert a.as_data() == b.as_data(), a.run_id
    # the what-if matters (the comparison is not between identical runs)
    assert here[0].lost_value_yuan != here[1].lost_value_yuan


def test_cli_sweep_reads_list_versions_and_reports_a_failed_run(tmp_path, db_url):
    """One city from the database (either backend), one missing: the report lists the
    failure and the command's exit code says so; the other runs are in the report."""
    engine = open_database(db_url)
    registry.import_tables(engine, generate_registry(50, 9, city="丁市"))
    version = registry.latest_version(engine).name
    engine.dispose()
    f = _write(tmp_path, f"""
name = "=HYPERLINK(\\"x\\")"
base = '{RED_EPISODE}'
levels = ["orange"]
level_days = 1
[[cities]]
version = "{version}"
city = "丁市"
[[cities]]
name = "无此清单"
version = "不存在的版本"
""")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["scenario", "sweep", str(f), "--local", "--out", str(out), "--database", db_url])
    assert res.exit_code != 0 and type(res.exception) is EmergencyError, res.output  # `emergency` exits 1
    assert res.exception.exit_code == 1
    assert "1 个运行失败" in str(res.exception) and "B01-C02-E01-W01" in res.output
    data = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    ok, bad = data["runs"]
    assert ok["run_id"] == "B01-C01-E01-W01" and ok["ok"] and ok["city_name"] == "丁市" and ok["enterprises"] == 50
    assert bad["run_id"] == "B01-C02-E01-W01" and not bad["ok"] and bad["error_kind"] == "NotFound"
    assert "seconds" not in ok
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "失败的运行（1）" in html and "不存在的版本" in html and "=HYPERLINK(&quot;x&quot;)" in html
    wb = load_workbook(out / "sweep.xlsx")
    assert [c.value for c in wb["失败"][2]][0] == "B01-C02-E01-W01"
    assert wb["全部运行"]["A2"].value == "B01-C01-E01-W01"


def test_cli_refuses_local_with_a_scheduler(tmp_path):
    f = _write(tmp_path, f"name = 'x'\nbase = '{RED_EPISODE}'\n")
    res = CliRunner().invoke(app, ["scenario", "sweep", str(f), "--local", "--scheduler", "tcp://127.0.0.1:1"])
    assert isinstance(res.exception, InputError) and res.exception.exit_code == 14
    assert not (tmp_path / "sweep-output").exists()


def test_region_cities_from_the_database_and_generated(tmp_path):
    """[region]: the cities axis is the region's cities in its order (config/regions/demo.toml:
    演示市, 演示北市, 演示南市); from the database each city reads its own latest list."""
    db_url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    engine = open_database(db_url)
    for n, (city, seed) in enumerate((("演示市", 1), ("演示北市", 2), ("演示南市", 3))):
        registry.import_tables(engine, generate_registry(20 + 10 * n, seed, city=city))
    engine.dispose()
    base = f"name = 'r'\nbase = '{RED_EPISODE}'\nlevels = ['orange']\nlevel_days = 1\n"
    runs = expand(load_sweep(_write(tmp_path, base + "[region]\nname = '演示区域'\n")))
    assert [(r.run_id, r.labels["city"]) for r in runs] == [
        ("B01-C01-E01-W01", "演示市"), ("B01-C02-E01-W01", "演示北市"), ("B01-C03-E01-W01", "演示南市")]
    results = run_sweep(runs, db_url, local=True)
    assert [(r.ok, r.city_name, r.enterprises) for r in results] == [
        (True, "演示市", 20), (True, "演示北市", 30), (True, "演示南市", 40)]

    gen = expand(load_sweep(_write(tmp_path, base + "[region]\nname = 'demo'\ngenerate = { enterprises = 25, seed = 4 }\n",
                                   "gen.toml")))
    assert [(r.city.generate.city, r.city.generate.seed) for r in gen] == [("演示市", 4), ("演示北市", 5), ("演示南市", 6)]

    with pytest.raises(InputError, match="not both"):
        load_sweep(_write(tmp_path, base + "[region]\nname = 'demo'\n[[cities]]\ncity = 'x'\n", "both.toml"))
    from emergency.errors import NotFound

    with pytest.raises(NotFound, match="演示区域"):
        load_sweep(_write(tmp_path, base + "[region]\nname = 'atlantis'\n", "none.toml"))


def test_ids_sort_in_expansion_order_past_99_members(tmp_path):
    members = "".join(f"[[members]]\nname = 'm{i}'\ndaily_aqi = [{100 + i}]\n" for i in range(1, 101))
    runs = expand(load_sweep(_write(tmp_path, f"name = 'x'\nbase = '{RED_EPISODE}'\n{members}")))
    ids = [r.run_id for r in runs]
    assert ids[0] == "B01-C01-E001-W01" and ids[99] == "B01-C01-E100-W01" and ids[98] == "B01-C01-E099-W01"
    assert ids == sorted(ids)
