"""The electricity a firm is expected to save under its measures (应降用电比例).

One implementation, used by the notice (which tells the firm the figure) and by the
compliance check (which holds the firm to the same figure):

    expected drop of firm f = Σ_{l ∈ f} k(measure_l) · cut_l · value_l / Σ_{l ∈ f} value_l

where ``k`` is ``[compliance] electricity_drop`` of the policy (a stopped line keeps
some auxiliaries running; a kiln kept warm is not a stopped line), ``cut_l`` the line's
ordered output cut and ``value_l`` its output value (the list has no electricity per
line; value is the share proxy). Lines without a measure count with cut 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.policy import CompliancePolicy
from enterprise_registry.columns import RegistryTables


def line_values(tables: RegistryTables) -> tuple[dict[str, float], dict[str, float]]:
    """Output value per line id (``uscc/line_code``) and per firm."""
    per_line: dict[str, float] = {}
    per_firm: dict[str, float] = {}
    for u, code, v in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["output_value_yuan"]):
        per_line[f"{u}/{code}"] = v
        per_firm[u] = per_firm.get(u, 0.0) + v
    return per_line, per_firm


def expected_drops(actions: Iterable, tables: RegistryTables, compliance: CompliancePolicy) -> dict[str, float]:
    """Expected drop of daily electricity use per firm with an action (0 … 1)."""
    per_line, per_firm = line_values(tables)
    saved: dict[str, float] = {}
    for a in actions:
        k = compliance.drop_factor(a.measure)
        saved[a.enterprise_uscc] = saved.get(a.enterprise_uscc, 0.0) + k * a.output_cut * per_line.get(a.line_id, 0.0)
    return {u: (s / per_firm[u] if per_firm.get(u) else 0.0) for u, s in saved.items()}


def stated_drop(drop: float) -> float:
    """The drop as the notice states it, to a tenth of a percent (0.4537 → 45.4 %): the
    compliance check holds a firm to the printed figure, not to unprinted decimals."""
    return round(drop * 100, 1) / 100
