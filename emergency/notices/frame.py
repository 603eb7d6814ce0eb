"""The facts every document of one package shares, as the documents print them.

The package of a warning is the package of one transition: the issue (启动), an
upgrade, downgrade or extension (升级 / 降级 / 延长), or the release (解除).

Timing: the measures of a version take effect at its ``effective_from`` (a release at
its release time). When that is still ahead of now, the documents say
"请于{t}前做好准备，自{t}起落实"; otherwise "请于接到通知后立即落实". A firm confirms
receipt within ``documents.confirm_within_hours`` (回执) and reports execution by
max(effective time, decision time) + ``documents.report_within_hours``. All times are
printed with ``clock.fmt_zh`` in the bureau's zone, which the documents name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from emergency import clock
from emergency.notices import changes, wording
from emergency.notices.inputs import PackageInput, VersionFacts


@dataclass(frozen=True)
class Frame:
    kind: str  # issue | upgrade | downgrade | extend | release
    kind_zh: str
    warning_id: int
    version_no: int  # the version whose documents these are (release: the latest version)
    package_no: int  # the number's version part (release: latest + 1)
    number: str
    year: int
    level_zh: str
    response: str
    old_level_zh: str | None
    old_response: str | None
    city: str
    issuer: str
    areas: str
    start: str
    end: str
    zone: str
    effective: str
    future: bool
    issued_at: str
    report_deadline: str
    basis: str  # legal and plan basis, with the level's target unless released
    target: str
    office: str | None
    phone: str | None
    hotline: str | None
    confirm_h: str
    report_h: str
    baseline_days: int
    indicator: str
    release_reason: str | None
    release_by: str | None
    rule_set: str

    @property
    def released(self) -> bool:
        return self.kind == "release"

    @property
    def timing(self) -> str:
        if self.future:
            return f"请于{self.effective}前做好准备，自{self.effective}起落实"
        return "请于接到通知后立即落实"


def frame(inp: PackageInput, version: VersionFacts, previous: VersionFacts | None) -> Frame:
    w, policy, docs = inp.warning, inp.policy, inp.policy.documents
    city = inp.city
    released = w.release is not None
    kind = "release" if released else version.transition
    if released:
        effective_at = decided_at = w.release.at
        package_no = inp.latest_version + 1
    else:
        effective_at, decided_at = version.effective_from, version.created_at
        package_no = version.no
    year = clock.local(w.issued_at).year
    target = wording.target_text(version.level, wording.ratios_of(policy, version.level))
    basis = "；".join(wording.legal_basis(policy, city) + ([] if released else [target]))
    old = previous.level if previous is not None and kind in ("upgrade", "downgrade") else None
    report_at = max(clock.as_utc(effective_at), clock.as_utc(decided_at)) + timedelta(hours=docs.report_within_hours)
    return Frame(
        kind=kind, kind_zh=wording.TRANSITION_ZH.get(kind, kind), warning_id=w.id, version_no=version.no,
        package_no=package_no, number=changes.number(year, w.id, package_no), year=year,
        level_zh=wording.level_zh(version.level), response=wording.response_zh(version.level),
        old_level_zh=wording.level_zh(old) if old else None, old_response=wording.response_zh(old) if old else None,
        city=city, issuer=docs.text(docs.issuer_zh, city), areas="、".join(w.areas),
        start=clock.fmt_zh(w.start), end=clock.fmt_zh(w.end), zone=clock.zone_label(),
        effective=clock.fmt_zh(effective_at), future=clock.as_utc(effective_at) > clock.as_utc(decided_at),  # as of the decision, however late it is printed
        issued_at=clock.fmt_zh(decided_at), report_deadline=clock.fmt_zh(report_at), basis=basis, target=target,
        office=docs.contact_office_zh, phone=docs.contact_phone, hotline=docs.hotline,
        confirm_h=wording.hours(docs.confirm_within_hours), report_h=wording.hours(docs.report_within_hours),
        baseline_days=policy.compliance.baseline_days, indicator=wording.INDICATOR,
        release_reason=w.release.reason if released else None, release_by=w.release.by if released else None,
        rule_set=version.plan.rule_set or w.rule_set,
    )
