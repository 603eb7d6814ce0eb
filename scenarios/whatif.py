"""What-ifs applied to a list and a policy. Pure functions: new tables, new policy.

Random choices (which C firms upgrade, which firms close) use ``numpy`` with the
scenario's seed, on firms sorted by code, so a scenario is reproducible.
"""

from __future__ import annotations

import numpy as np

from config.policy import Policy
from enterprise_registry.columns import RegistryTables
from enterprise_registry.generator import generate_registry
from scenarios.spec import WhatIf


def _subset(table: dict[str, list], keep: list[bool]) -> dict[str, list]:
    return {k: [v for v, ok in zip(vals, keep) if ok] for k, vals in table.items()}


def apply_to_registry(tables: RegistryTables, whatif: WhatIf, seed: int) -> RegistryTables:
    rng = np.random.default_rng(seed)
    ents = {k: list(v) for k, v in tables.enterprises.items()}
    lines = {k: list(v) for k, v in tables.lines.items()}
    areas = {k: list(v) for k, v in tables.areas.items()}
    if whatif.add_enterprises:
        extra = generate_registry(whatif.add_enterprises, seed + 7919, city=tables.version["city"])
        counties = [n for n, p in zip(areas["name"], areas["parent"]) if p]
        known = set(ents["uscc"])
        keep = [u not in known and c in counties for u, c in zip(extra.enterprises["uscc"], extra.enterprises["county"])]
        new_e = _subset(extra.enterprises, keep)
        kept = set(new_e["uscc"])
        new_l = _subset(extra.lines, [u in kept for u in extra.lines["uscc"]])
        for k in ents:
            ents[k] += new_e.get(k, [None] * len(new_e["uscc"]))
        for k in lines:
            lines[k] += new_l.get(k, [None] * len(new_l["uscc"]))
    order = sorted(range(len(ents["uscc"])), key=lambda i: ents["uscc"][i])

    if whatif.upgrade_c_to_b > 0:
        c_firms = [i for i in order if ents["grade"][i] == "C"]
        n = int(round(whatif.upgrade_c_to_b * len(c_firms)))
        for i in rng.permutation(c_firms)[:n].tolist() if c_firms else []:
            ents["grade"][i] = "B"
    if whatif.remove_essential:
        cats = {str(c) for c in whatif.remove_essential}
        for i, cat in enumerate(ents["essential_category"]):
            if "all" in cats or cat in cats:
                ents["essential_category"][i] = "无"
                ents["essential_approved_load"][i] = None
    closed = set(whatif.close)
    if whatif.close_share > 0:
        n = int(round(whatif.close_share * len(order)))
        closed |= {ents["uscc"][i] for i in rng.permutation(order)[:n].tolist()}
    if whatif.exclude_counties:
        excl = set(whatif.exclude_counties)
        closed |= {u for u, c in zip(ents["uscc"], ents["county"]) if c in excl}
        keep_area = [n not in excl for n in areas["name"]]
        areas = _subset(areas, keep_area)
    if closed:
        ents = _subset(ents, [u not in closed for u in ents["uscc"]])
        lines = _subset(lines, [u not in closed for u in lines["uscc"]])
    return RegistryTables(version=dict(tables.version), areas=areas, enterprises=ents, lines=lines)


def apply_to_policy(policy: Policy, whatif: WhatIf, rule_set: str | None = None) -> Policy:
    update = {}
    if whatif.ratios:
        ratios = {lv: dict(row) for lv, row in policy.reduction.ratios.items()}
        for lv, row in whatif.ratios.items():
            ratios.setdefault(lv, {}).update(row)
        update["reduction"] = policy.reduction.model_copy(update={"ratios": ratios})
    if rule_set:
        if rule_set not in policy.warning_rules:
            from emergency.errors import PolicyError

            raise PolicyError(f"unknown rule set {rule_set!r}")
        update["rule_set"] = rule_set
    return policy.model_copy(update=update) if update else policy
