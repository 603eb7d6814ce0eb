"""The rotation plan document (JSON): what `emergency rotation plan` writes and the
database keeps, and what `show`, the exports and the scheduler read back.

Top-level keys (a public interface; ``schema`` is bumped on a breaking change):

``schema``, ``season``, ``area``, ``window`` [first, last], ``days`` (count),
``registry_version``, ``registry_sha256``, ``created_at`` (ISO 8601 in the bureau's zone),
``frozen_until`` (re-plans),
``rules`` (the :class:`RotationRules` used), ``status``/``status_zh``, ``objective``,
``best_bound``, ``gap``, ``seconds``, ``solver`` (model size, phases),
``summary`` (counts; ``stop_line_days`` is null when the solver found no calendar),
``lines`` (one record per in-scope line: role, reason, required
and scheduled days, ``blocks`` [[first, last], …]), ``groups`` (per area, industry and
unit: capacity, bounds and the stopped share of every day), ``warnings`` (the warnings
overlaid), ``violations`` and ``soft_misses`` (when rules or preferences could not be
met), ``notes``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import numpy as np

from emergency import clock
from emergency.rotation.problem import Role, RotationProblem
from emergency.rotation.result import RotationResult

SCHEMA = 1


def group_shares(problem: RotationProblem, stops: np.ndarray) -> list[dict]:
    """Per group: capacity, the hard band where it binds the group (None otherwise) and
    the stopped share of each day."""
    out = []
    for g in problem.groups:
        cap = problem.capacity[g.lines]
        stopped = (stops[g.lines] * cap[:, None]).sum(axis=0)
        share = stopped / g.capacity if g.capacity > 0 else np.zeros(problem.n_days)
        out.append({
            "area": g.area,
            "scope": g.scope,
            "industry": g.industry,
            "industry_zh": problem.industry_zh.get(g.industry, g.industry),
            "unit": g.unit,
            "key": g.key,
            "lines": len(g.lines),
            "non_exempt_lines": int(np.isin(problem.role[g.lines], [Role.ROTATE, Role.WHOLE]).sum()),
            "capacity": round(float(g.capacity), 6),
            "banded": g.banded,
            "share_min": problem.rules.daily_stop_share_min if g.banded else None,
            "share_max": problem.rules.daily_stop_share_max if g.banded else None,
            "daily_share": [round(float(v), 6) for v in share],
        })
    return out


def build_document(problem: RotationProblem, result: RotationResult, *, created_at: datetime | None = None) -> dict:
    cal = result.calendar
    created = clock.as_utc(created_at or clock.now()).replace(microsecond=0)
    lines = [cal.line_record(i) for i in range(problem.n_lines)] if cal is not None else []
    role = problem.role
    doc = {
        "schema": SCHEMA,
        "season": problem.season,
        "area": problem.area,
        "window": [problem.days[0].isoformat(), problem.days[-1].isoformat()],
        "days": problem.n_days,
        "registry_version": problem.registry_version,
        "registry_sha256": problem.registry_sha256,
        "created_at": clock.iso(created),
        "frozen_until": problem.days[problem.frozen_days].isoformat() if 0 < problem.frozen_days < problem.n_days else
        (problem.days[-1].isoformat() if problem.frozen_days >= problem.n_days and problem.frozen_days else None),
        "rules": problem.rules.model_dump(mode="json"),
        "industries": dict(problem.industry_zh),
        "counties": problem.counties,
        "status": result.status.value,
        "status_zh": result.status.label_zh,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 3),
        "solver": result.info,
        "summary": {
            "lines": problem.n_lines,
            "rotating": int((role == Role.ROTATE).sum()),
            "whole_window": int((role == Role.WHOLE).sum()),
            "exempt": int((role == Role.EXEMPT).sum()),
            "livelihood": int((role == Role.LIVELIHOOD).sum()),
            "makeup_days": int(problem.makeup_days.sum()),
            "enterprises": len(set(problem.uscc)),
            "stop_line_days": int(cal.stops.sum()) if cal is not None else None,
        },
        "lines": lines,
        "groups": group_shares(problem, cal.stops) if cal is not None else [],
        "holidays": [h.model_dump(mode="json") for h in problem.holidays],
        "requests": [r.model_dump(mode="json") for r in problem.requests],
        "warnings": [
            {"name": w.name, "level": w.level, "start": w.start.isoformat(), "end": w.end.isoformat(),
             "stopped_lines": sorted(l for l, c in w.cuts.items() if c >= 1.0 - 1e-9),
             "cuts": {l: c for l, c in sorted(w.cuts.items())}, "labels": dict(sorted(w.labels.items()))}
            for w in problem.warnings
        ],
        "violations": [v.as_dict() for v in result.violations],
        "soft_misses": [
            {"name": m.name, "line_id": m.line_id, "days": [[a.isoformat(), b.isoformat()] for a, b in m.days],
             "message_zh": m.message_zh}
            for m in result.soft_misses
        ],
        "notes": list(problem.notes),
    }
    return doc


def has_calendar(doc: dict) -> bool:
    """Whether the document holds a calendar (a solve that found none gives a document
    without one: it is reported, never stored or dispatched as a plan)."""
    return doc.get("summary", {}).get("stop_line_days") is not None


def document_sha256(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def stop_dates(doc: dict) -> dict[str, set[date]]:
    """Line id -> its stop dates, from a document's blocks."""
    from datetime import timedelta

    out: dict[str, set[date]] = {}
    for rec in doc.get("lines", []):
        ds: set[date] = set()
        for a, b in rec["blocks"]:
            d, end = date.fromisoformat(a), date.fromisoformat(b)
            while d <= end:
                ds.add(d)
                d += timedelta(days=1)
        out[rec["line_id"]] = ds
    return out
