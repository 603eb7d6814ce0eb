"""`emergency joint generate | plan` on SQLite and PostgreSQL: the region written as one list
version per city (audited), then planned from the cities' latest lists."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from emergency.cli.main import app
from emergency.errors import InputError, NotFound
from enterprise_registry import service
from enterprise_registry.db import open_database


def test_generate_and_plan_from_the_database(db_url, tmp_path):
    run = CliRunner().invoke
    r = run(app, ["joint", "generate", "--cities", "3", "--firms-per-city", "60", "--seed", "3", "--database", db_url])
    assert r.exit_code == 0, r.output
    engine = open_database(db_url)
    try:
        assert sorted(service.cities(engine)) == sorted(["北京市", "天津市", "石家庄市"])
        with engine.connect() as conn:
            audited = conn.execute(sa.text("SELECT count(*) FROM audit_record WHERE action = 'registry.import'")).scalar()
        assert audited == 3
        # each city's list is its own version; 城区 exists in each and stays each city's
        lists = {c: service.load_planning_tables(engine, city=c) for c in ("北京市", "天津市")}
        assert all("城区" in t.areas["name"] for t in lists.values())
        assert not set(lists["北京市"].enterprises["uscc"]) & set(lists["天津市"].enterprises["uscc"])
    finally:
        engine.dispose()

    out = tmp_path / "out"
    r = run(app, ["joint", "plan", "--cities", "北京市,天津市,石家庄市", "--level", "red", "--out", str(out), "--database", db_url])
    assert r.exit_code == 0, r.output
    assert "联合方案节省" in r.output and "相对差距" in r.output
    data = json.loads((out / "joint_plan.json").read_text(encoding="utf-8"))
    assert [row["city"] for row in data["by_city"]] == ["北京市", "天津市", "石家庄市"]
    assert data["saving_yuan"] == data["separate"]["lost_output_yuan"] - data["joint"]["lost_output_yuan"]
    for m in (data["joint"], data["separate"]):  # bound and gap with every result (the gap may exceed 0.05 % on a busy machine)
        assert m["relative_gap"] == (m["lost_output_yuan"] - m["bound_yuan"]) / m["lost_output_yuan"] or m["relative_gap"] == 0
        assert m["status"] == ("optimal" if m["relative_gap"] <= 5e-4 else "feasible")
    assert (out / "province_report.xlsx").is_file()

    r = run(app, ["joint", "plan", "--cities", "北京市,上海市", "--level", "red", "--database", db_url])
    assert isinstance(r.exception, NotFound) and "上海市" in r.exception.message
    r = run(app, ["joint", "plan", "--cities", "北京市", "--level", "purple", "--database", db_url])
    assert isinstance(r.exception, InputError)


def test_plan_a_generated_region_in_memory(tmp_path):
    r = CliRunner().invoke(app, ["joint", "plan", "--region", "demo", "--generate", "1500", "--level", "orange",
                                 "--mode", "joint", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "joint_plan.json").read_text(encoding="utf-8"))
    assert data["separate"] is None and data["joint"]["status"] in ("optimal", "feasible")
    # the demo region's own shares (config/regions/demo.toml) are in the regional row: R ≥ share × Σ listed base
    from config.regions import load_region
    from enterprise_registry.generator import generate_region

    region = load_region("demo")
    tables = generate_region(len(region.cities), lines_total=1500, seed=1, names=list(region.cities))
    for k, p in enumerate(("so2", "nox", "pm", "vocs")):
        share = data["regional_targets"].get(("SO2", "NOx", "PM", "VOCs")[k])
        base = sum(t.areas[f"base_{p}"][0] * t.areas[f"listed_share_{p}"][0] for t in tables)
        assert share == region.targets.get(("SO2", "NOx", "PM", "VOCs")[k])
        if share:
            assert data["joint"]["regional_required_kg"][k] >= share * base * (1 - 1e-9)
        assert data["joint"]["regional_achieved_kg"][k] >= data["joint"]["regional_required_kg"][k] * (1 - 1e-9)
    r = CliRunner().invoke(app, ["joint", "plan", "--region", "nowhere", "--generate", "100", "--level", "red"])
    assert isinstance(r.exception, NotFound)


def test_plan_the_cities_of_a_regional_warning(sqlite_url, tmp_path):
    """`--regional-warning ID`: the region's cities (each from its latest list) at the regional level."""
    from datetime import datetime

    from emergency.region.service import issue_regional

    run = CliRunner().invoke
    r = run(app, ["joint", "generate", "--region", "demo", "--firms-per-city", "50", "--seed", "2", "--database", sqlite_url])
    assert r.exit_code == 0, r.output
    engine = open_database(sqlite_url)
    try:
        from config.regions import load_region

        assert sorted(service.cities(engine)) == sorted(load_region("demo").cities)
        rw = issue_regional(engine, actor="province", region="demo", level="orange",
                            start=datetime(2030, 1, 5, 0, 0), end=datetime(2030, 1, 8, 0, 0))
    finally:
        engine.dispose()
    r = run(app, ["joint", "plan", "--regional-warning", str(rw.id), "--mode", "joint", "--out", str(tmp_path),
                  "--database", sqlite_url])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "joint_plan.json").read_text(encoding="utf-8"))
    assert sorted(row["city"] for row in data["by_city"]) == sorted(load_region("demo").cities)
    assert data["level"] == "orange"
    r = run(app, ["joint", "plan", "--regional-warning", str(rw.id), "--cities", "演示市", "--database", sqlite_url])
    assert isinstance(r.exception, InputError)
