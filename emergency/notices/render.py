"""The response package of a warning's transition, rendered, and written to a folder.

    <out>/index.html                     overview; prints as a short summary (the link
                                         tables are for the screen)
    <out>/预警信息发布.txt / .html         the public announcement (启动/升级/降级/延长/解除)
    <out>/应急减排清单_<级别>预警.xlsx      active warning: the level's list view, spared firms,
                                         this package's notices, firms that continue
    <out>/解除通知清单.xlsx                 released warning: the 解除通知 issued
    <out>/管控通知/<区县>_<企业>_<代码>.html  a notice per firm that gets one at this version
    <out>/解除通知/<区县>_<企业>_<代码>.html  released warning: a 解除通知 per firm
    <out>/按区县打印/<区县>.html             one printable file per county: its notices,
                                         a page break between firms
    <out>/继续执行原措施名单.html            adjustment: the firms whose measures did not change

Who gets which notice and the numbers: :mod:`emergency.notices.changes`; what notices
and the announcement say: :mod:`~emergency.notices.notice`,
:mod:`~emergency.notices.announcement`; how the folder is written:
:mod:`~emergency.notices.folder`. Every HTML file is rendered with autoescape on
(:mod:`~emergency.notices.templates`); every file name made from a name in the list is
sanitised (:mod:`~emergency.notices.names`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emergency.errors import NotFound
from emergency.notices import announcement, changes, folder, listview, notice, templates
from emergency.notices.frame import Frame, frame
from emergency.notices.inputs import PackageInput, VersionFacts
from emergency.notices.names import UniqueNames, safe_component
from emergency.plans.electricity import expected_drops

ANNOUNCEMENT_TXT = "预警信息发布.txt"
ANNOUNCEMENT_HTML = "预警信息发布.html"
CONTINUING_HTML = "继续执行原措施名单.html"
COUNTY_FOLDER = "按区县打印"


@dataclass(frozen=True)
class Package:
    input: PackageInput
    frame: Frame
    version: VersionFacts  # the version whose documents these are (release: the latest)
    previous: VersionFacts | None
    notices: list[notice.NoticeDoc]
    continuing: list[notice.ContinuingFirm]
    announcement: str

    @property
    def notice_kind(self) -> str:
        return {"issue": "管控通知", "release": "解除通知"}.get(self.frame.kind, "措施调整通知")


def build(inp: PackageInput) -> Package:
    """The package of ``inp``: its last version's transition, or the release."""
    version = inp.versions[-1]
    previous = inp.versions[-2] if len(inp.versions) > 1 else None
    f = frame(inp, version, previous)
    notices, continuing = notice.build(inp, f, version, previous)
    text = announcement.text(inp, f, version, len(notices), len(continuing))
    return Package(inp, f, version, previous, notices, continuing, text)


def notice_html(pkg: Package, n: notice.NoticeDoc) -> str:
    return templates.render_html("notice.html.j2", f=pkg.frame, n=n)


def find_notice(pkg: Package, uscc: str) -> notice.NoticeDoc:
    """The firm's notice in this package (NotFound when it gets none here)."""
    for n in pkg.notices:
        if n.uscc == uscc:
            return n
    raise NotFound(f"预警 {pkg.frame.warning_id} 的本次材料（{pkg.frame.kind_zh}，文号 {pkg.frame.number}）中没有企业 {uscc} 的通知")


def announcement_html(pkg: Package) -> str:
    return templates.render_html("announcement.html.j2", text=pkg.announcement)


def files(pkg: Package) -> dict[str, bytes]:
    """Every file of the package (path → bytes), the index last."""
    f, inp = pkg.frame, pkg.input
    out: dict[str, bytes] = {}
    for n in pkg.notices:
        out[n.file] = notice_html(pkg, n).encode("utf-8")
    by_county: dict[str, list[notice.NoticeDoc]] = {}
    for n in pkg.notices:
        by_county.setdefault(n.county, []).append(n)
    continuing_by_county: dict[str, int] = {}
    for c in pkg.continuing:
        continuing_by_county[c.county] = continuing_by_county.get(c.county, 0) + 1
    names = UniqueNames()
    counties = []
    for county in sorted(by_county.keys() | continuing_by_county.keys()):
        path = None
        if county in by_county:
            path = f"{COUNTY_FOLDER}/{names.take(safe_component(county, fallback='未注明区县'), '.html')}"
            out[path] = templates.render_html("county.html.j2", f=f, county=county, notices=by_county[county]).encode("utf-8")
        counties.append({"county": county, "notices": len(by_county.get(county, ())),
                         "continuing": continuing_by_county.get(county, 0), "file": path})
    last = changes.last_notices([v.plan for v in inp.versions[: pkg.version.no]])
    in_force = {u: changes.number(f.year, f.warning_id, n) for u, n in last.items()}
    drops = {} if f.released else expected_drops(pkg.version.plan.actions, inp.tables, inp.policy.compliance)
    book = listview.file_name(f)
    out[book] = listview.workbook_bytes(f, pkg.version.plan, inp.tables, pkg.notices, pkg.continuing, in_force, drops)
    out[ANNOUNCEMENT_TXT] = pkg.announcement.encode("utf-8")
    out[ANNOUNCEMENT_HTML] = announcement_html(pkg).encode("utf-8")
    links = [("预警信息发布（文本）", ANNOUNCEMENT_TXT), ("预警信息发布（打印）", ANNOUNCEMENT_HTML), (book, book)]
    if f.kind not in ("issue", "release"):
        out[CONTINUING_HTML] = templates.render_html("continuing.html.j2", f=f, firms=pkg.continuing).encode("utf-8")
        links.append(("继续执行原措施企业名单", CONTINUING_HTML))
    title = f"{f.city}重污染天气{f.level_zh}预警{f.kind_zh}·应急响应材料"
    out["index.html"] = templates.render_html(
        "index.html.j2", title=title, f=f, sha=pkg.version.sha256, registry_version=pkg.version.plan.registry_version,
        latest=pkg.version.no == inp.latest_version, latest_version=inp.latest_version, announcement=pkg.announcement,
        notice_kind=pkg.notice_kind, notices=pkg.notices, continuing=pkg.continuing, counties=counties, files=links,
    ).encode("utf-8")
    return out


def write(pkg: Package, out: Path) -> dict:
    """Write the package into ``out`` (see :mod:`emergency.notices.folder`); a summary."""
    f = pkg.frame
    folder.write(out, files(pkg), {
        "warning": f.warning_id, "kind": f.kind, "version": f.version_no, "number": f.number,
        "plan_sha256": pkg.version.sha256,
    })
    return summary(pkg, out)


def summary(pkg: Package, out: Path | None = None) -> dict:
    f = pkg.frame
    return {
        "warning": f.warning_id, "kind": f.kind, "kind_zh": f.kind_zh, "version": f.version_no, "number": f.number,
        "notices": len(pkg.notices), "continuing": len(pkg.continuing), "actions": len(pkg.version.plan.actions),
        "folder": None if out is None else str(out),
    }
