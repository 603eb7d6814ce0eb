"""The notices of one package (管控通知 / 调整通知 / 解除通知) and the firms that get none.

Who gets which notice is :mod:`emergency.notices.changes`; what each says:

- ``issue``: the firm's measures line by line with each line's basis (grade-table rule;
  a tightened line says so, without the optimiser's economics), the expected drop of
  daily electricity use (``emergency.plans.electricity.expected_drops`` with
  ``policy.compliance``: the figure the compliance check holds the firm to), the truck
  rule when a measure carries it;
- ``change``: "本通知替代…" the firm's previous notice, every changed line before → after
  (a lifted line: 解除管控; a new line: 无 → its measure), then all the measures now in
  force (or that all are lifted);
- ``release``: every line that had a measure in the latest version, lifted.

On a plan from a list with filed measures (一厂一策), an issue or change notice also lists
the firm's lines whose ordered measure differs from what it filed for the level — the
filed measure, the ordered one (or 未下达) and why (the plan's ``deviations``; never the
optimiser's economics).

Firms with measures whose measures did not change at an adjustment are
:class:`ContinuingFirm` (继续执行原措施), with the notice they keep following.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emergency.notices import changes, wording
from emergency.notices.frame import Frame
from emergency.notices.inputs import PackageInput, VersionFacts
from emergency.notices.names import UniqueNames, safe_component
from emergency.plans.document import Action
from emergency.plans.electricity import expected_drops


@dataclass(frozen=True)
class Row:
    """A line with its measure as a notice prints it."""

    line: str
    measure: str
    cut: str
    reduction: str
    basis: str


@dataclass(frozen=True)
class ChangeRow:
    line: str
    before: str
    after: str


@dataclass(frozen=True)
class DeviationRow:
    """A line whose ordered measure differs from the firm's filed one."""

    line: str
    filed: str
    ordered: str
    reason: str


@dataclass(frozen=True)
class NoticeDoc:
    kind: str  # issue | change | release
    title: str
    uscc: str
    name: str
    county: str
    contact_person: str | None
    contact_phone: str | None
    number: str
    replaces: str | None  # the number of the firm's previous notice
    rows: list[Row] = field(default_factory=list)  # measures in force (issue, change) or lifted (release)
    change_rows: list[ChangeRow] = field(default_factory=list)
    drop: str | None = None  # expected electricity drop, '45%'
    truck_ban: bool = False
    file: str = ""  # path in the package
    deviations: list[DeviationRow] = field(default_factory=list)  # departures from the filed list

    @property
    def lines(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ContinuingFirm:
    uscc: str
    name: str
    county: str
    lines: int
    number: str  # the notice it keeps following


def _row(a: Action, level) -> Row:
    r = a.reduction_kg
    return Row(
        line=f"{a.line_name or ''}（{a.line_id.rsplit('/', 1)[-1]}）",
        measure=a.measure_zh or a.measure,
        cut=f"{a.output_cut * 100:.0f}%",
        reduction=f"SO2 {r['SO2']:.1f}；NOx {r['NOx']:.1f}；颗粒物 {r['PM']:.1f}；VOCs {r['VOCs']:.1f}",
        basis=wording.line_basis(a.basis, a.reason, level),
    )


def _change_row(c: changes.LineChange) -> ChangeRow:
    """Before → after of one line; when both read the same (another cut under one label),
    each gets its cut."""
    before = (c.before.measure_zh or c.before.measure) if c.before is not None else wording.NONE_ZH
    after = (c.after.measure_zh or c.after.measure) if c.after is not None else wording.LIFTED_ZH
    if before == after:
        before += f"（限产比例{c.before.output_cut * 100:.0f}%）"
        after += f"（限产比例{c.after.output_cut * 100:.0f}%）"
    return ChangeRow(f"{c.line_name}（{c.line_id.rsplit('/', 1)[-1]}）", before, after)


def _deviation_rows(plan) -> dict[str, list[DeviationRow]]:
    """The plan's deviations from the filed list, per firm, as a notice prints them."""
    out: dict[str, list[DeviationRow]] = {}
    for d in plan.deviations:
        out.setdefault(d.enterprise_uscc, []).append(DeviationRow(
            line=f"{d.line_name or ''}（{d.line_id.rsplit('/', 1)[-1]}）",
            filed=d.filed_measure or "（未备案）",
            ordered=d.ordered_measure or "未下达",
            reason=wording.no_economics(d.reason) or "与清单备案措施不一致",
        ))
    return out


def _title(f: Frame) -> str:
    if f.kind == "issue":
        return f"重污染天气{f.level_zh}预警应急减排管控通知"
    if f.kind == "release":
        return f"重污染天气{f.level_zh}预警解除通知"
    return f"重污染天气预警{f.kind_zh}应急减排管控通知（措施调整）"


def build(inp: PackageInput, f: Frame, version: VersionFacts, previous: VersionFacts | None,
          ) -> tuple[list[NoticeDoc], list[ContinuingFirm]]:
    """The notices of the package and the firms that continue (see the module's rules)."""
    ents = inp.tables.enterprises
    e_idx = {u: i for i, u in enumerate(ents["uscc"])}
    plans = [v.plan for v in inp.versions]
    now = changes.by_firm(version.plan)
    before = changes.by_firm(previous.plan) if previous is not None else {}
    if f.kind == "release":
        last = changes.last_notices(plans)
        firms = sorted(now)
    else:
        last = changes.last_notices(plans[: version.no - 1])
        firms = sorted(changes.noticed_firms(previous.plan if previous else None, version.plan))
    drops = expected_drops(version.plan.actions, inp.tables, inp.policy.compliance) if f.kind != "release" else {}
    kind = {"issue": "issue", "release": "release"}.get(f.kind, "change")
    folder = "解除通知" if kind == "release" else "管控通知"
    names = UniqueNames()
    title = _title(f)
    deviations = _deviation_rows(version.plan) if kind != "release" else {}
    notices = []
    for uscc in firms:
        i = e_idx.get(uscc)
        first = next(iter((now.get(uscc) or before.get(uscc) or {}).values()), None)
        name = ents["name"][i] if i is not None else (first.enterprise_name if first else uscc)
        county = ents["county"][i] if i is not None else (first.county if first else "")
        lines_now = [now[uscc][k] for k in sorted(now.get(uscc, {}))]
        replaces = changes.number(f.year, f.warning_id, last[uscc]) if uscc in last else None
        stem = f"{safe_component(county, limit=45)}_{safe_component(name)}_{safe_component(uscc, limit=40)}"
        notices.append(NoticeDoc(
            kind=kind, title=title, uscc=uscc, name=name, county=county,
            contact_person=ents["contact_person"][i] if i is not None else None,
            contact_phone=ents["contact_phone"][i] if i is not None else None,
            number=f.number, replaces=replaces if kind != "issue" else None,
            rows=[_row(a, version.level) for a in lines_now],
            change_rows=[_change_row(c) for c in changes.changes(before.get(uscc), now.get(uscc))]
            if kind == "change" else [],
            drop=wording.percent(drops[uscc]) if uscc in drops else None,
            truck_ban=kind != "release" and any("货车" in (a.measure_zh or "") or a.measure == "truck_ban" for a in lines_now),
            file=f"{folder}/{names.take(stem, '.html')}",
            deviations=deviations.get(uscc, []),
        ))
    notices.sort(key=lambda n: (n.county, n.uscc))
    continuing = []
    if kind == "change":
        for uscc in sorted(set(now) & set(before)):
            if changes.same_measures(before[uscc], now[uscc]):
                i = e_idx.get(uscc)
                first = next(iter(now[uscc].values()))
                continuing.append(ContinuingFirm(
                    uscc, ents["name"][i] if i is not None else (first.enterprise_name or uscc),
                    ents["county"][i] if i is not None else (first.county or ""), len(now[uscc]),
                    changes.number(f.year, f.warning_id, last[uscc]) if uscc in last else "",
                ))
        continuing.sort(key=lambda c: (c.county, c.uscc))
    return notices, continuing
