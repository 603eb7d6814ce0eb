"""The synthetic list looks like the published lists (DOMAIN §5, §8) and is deterministic."""

from collections import Counter

import numpy as np
import pytest

from config.industries import load_industries
from enterprise_registry.columns import AREA_SHEET, ENTERPRISE_SHEET, FILED_GROUP, LINE_SHEET
from enterprise_registry.generator import generate_registry
from enterprise_registry.uscc import is_valid_uscc


@pytest.fixture(scope="module")
def big():
    return generate_registry(20000, seed=7)


def test_deterministic_for_a_seed():
    a, b, c = generate_registry(500, 3), generate_registry(500, 3), generate_registry(500, 4)
    assert a == b
    assert a.enterprises["uscc"] != c.enterprises["uscc"]


def test_columns_complete(big):
    for spec, table in ((AREA_SHEET, big.areas), (ENTERPRISE_SHEET, big.enterprises), (LINE_SHEET, big.lines)):
        # every column, except the filed measures of a list that files none (columns.written_columns)
        assert {c.key for c in spec.columns if c.group != FILED_GROUP} <= set(table)


def test_codes_valid_and_unique(big):
    codes = big.enterprises["uscc"]
    assert len(set(codes)) == len(codes)
    assert all(is_valid_uscc(c) for c in codes)
    assert len(set(big.enterprises["name"])) == len(codes)


def test_grade_mix_like_published_counts(big):
    n = len(big.enterprises["grade"])
    grades = Counter(big.enterprises["grade"])
    a_share = (grades["A"] + grades["A+"]) / n
    assert 0.005 <= a_share <= 0.02  # A-grade firms are rare (~1 %)
    essential = sum(1 for e in big.enterprises["essential_category"] if e != "无") / n
    assert 0.03 <= essential <= 0.05
    catalog = load_industries().industries
    for ind, grade in zip(big.enterprises["industry"], big.enterprises["grade"]):
        scheme = catalog[ind].grading
        if grade in ("引领性", "非引领性"):
            assert scheme == "leader"
        if ind == "non_key":
            assert grade == "一厂一策"


def test_processes_known_and_quantities_sane(big):
    catalog = load_industries().industries
    industry_of = dict(zip(big.enterprises["uscc"], big.enterprises["industry"]))
    for code, proc in zip(big.lines["uscc"], big.lines["process"]):
        assert proc in catalog[industry_of[code]].processes
    for key in ("so2_kg", "nox_kg", "pm_kg", "vocs_kg", "output_value_yuan"):
        assert min(big.lines[key]) >= 0
    lines_per_firm = len(big.lines["uscc"]) / len(big.enterprises["uscc"])
    assert 2.0 <= lines_per_firm <= 3.0


def test_emissions_heavy_tailed(big):
    so2 = np.sort(np.asarray(big.lines["so2_kg"]))[::-1]
    top = so2[: len(so2) // 100].sum() / so2.sum()
    assert top > 0.3  # the largest 1 % of lines emit a large share of SO2


def test_red_requirement_feasible_without_spared_firms(big):
    """30 % × base × listed share ≤ what non-spared, interruptible-or-slowed lines can cut."""
    ents = big.enterprises
    spared = {
        u
        for u, g, e, s in zip(ents["uscc"], ents["grade"], ents["essential_category"], ents["small_micro"])
        if g in ("A", "A+", "引领性") or e != "无" or s
    }
    county = dict(zip(ents["uscc"], ents["county"]))
    pols = ("so2", "nox", "pm", "vocs")
    can = Counter()
    for i, code in enumerate(big.lines["uscc"]):
        if code in spared or big.lines["process"][i] in ("heating_boiler", "life_service"):
            continue
        cut = 1.0 if big.lines["interruptible"][i] else 1.0 - big.lines["min_load"][i]
        for p in pols:
            amount = cut * big.lines[f"{p}_kg"][i]
            can[(county[code], p)] += amount
            can[(big.version["city"], p)] += amount
    for j, area in enumerate(big.areas["name"]):
        for p in pols:
            required = 0.30 * big.areas[f"base_{p}"][j] * big.areas[f"listed_share_{p}"][j]
            assert required <= can[(area, p)] + 1e-6
