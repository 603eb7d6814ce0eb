"""A stored plan version as the plan page shows it: actions filtered by county,
industry, grade and measure, paged on the server (a province plan has 2×10^5
actions), and one firm's explanation.

The document is read through :func:`emergency.workflow.lifecycle.plan_version` and
parsed once per version (cached by its SHA-256: stored versions never change). A
firm's industry and grade are the list version's the plan was made from (one select
of three columns, cached by the version's content hash).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Event, Lock

from sqlalchemy import Engine, select

from emergency.errors import NotFound
from emergency.plans.document import Action, PlanDocument
from emergency.workflow.lifecycle import plan_version

PAGE_SIZE = 50
_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_SIZE = 3  # per kind (key[0]: a parsed plan, a package, a compliance check…): a province plan parsed is a few hundred MB
_lock = Lock()
_FLIGHTS: dict[tuple, Event] = {}  # keys being computed now


def cached(key: tuple, make):
    """``make()``, computed once per ``key`` (an LRU of :data:`_CACHE_SIZE` per kind ``key[0]``,
    so warming a warning's package never evicts its plan). Single-flight:
    a request asking for a key another thread (a page, or :func:`warm`) is computing waits
    for that result instead of computing it a second time; a failure is not cached (the
    waiters compute it themselves)."""
    with _lock:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        flight = _FLIGHTS.get(key)
        if flight is None:
            flight = _FLIGHTS[key] = Event()
            owner = True
        else:
            owner = False
    if not owner:
        flight.wait()
        with _lock:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        return cached(key, make)  # the computing thread failed: try (and maybe fail) ourselves
    try:
        value = make()
        with _lock:
            _CACHE[key] = value
            same_kind = [k for k in _CACHE if k[0] == key[0]]
            for old in same_kind[: max(0, len(same_kind) - _CACHE_SIZE)]:
                del _CACHE[old]
        return value
    finally:
        with _lock:
            _FLIGHTS.pop(key, None)
        flight.set()


def is_cached(key: tuple) -> bool:
    with _lock:
        return key in _CACHE or key in _FLIGHTS


def document(engine: Engine, warning_id: int, version_no: int) -> tuple[object, PlanDocument]:
    """(the version's facts, its document): the document read and parsed only when it is
    not cached already."""
    from emergency.console.warning_view import warning_and_versions

    _, versions = warning_and_versions(engine, warning_id)
    facts = next((v for v in versions if v.version_no == version_no), None)
    if facts is None:
        raise NotFound(f"预警 {warning_id} 没有方案版本 {version_no}")
    doc = cached(("plan", facts.sha256),
                 lambda: PlanDocument.model_validate_json(plan_version(engine, warning_id, version_no).document))
    return facts, doc


def firm_facts(engine: Engine, registry_version: str) -> dict[str, tuple[str, str]]:
    """uscc → (industry code, grade) in the list version ``registry_version``."""
    from enterprise_registry.models import Enterprise, ListVersion

    with engine.connect() as conn:
        v = conn.execute(select(ListVersion.id, ListVersion.content_sha256).where(ListVersion.name == registry_version)).first()
        if v is None:
            return {}

        def load():
            rows = conn.execute(select(Enterprise.uscc, Enterprise.industry, Enterprise.grade)
                                .where(Enterprise.version_id == v.id)).all()
            return {u: (i, g) for u, i, g in rows}

        return cached(("firms", str(engine.url), registry_version, v.content_sha256, v.id), load)


def firm_actions(doc: PlanDocument, sha256: str) -> dict[str, list[Action]]:
    """uscc → the firm's actions in the plan (an index, cached by the plan's hash)."""
    def index():
        out: dict[str, list[Action]] = {}
        for a in doc.actions:
            out.setdefault(a.enterprise_uscc, []).append(a)
        return out

    return cached(("firm-actions", sha256), index)


def warm(engine: Engine, warning_id: int, *, plan: bool = True, package: bool = True, compliance: bool = True) -> None:
    """Parse the latest plan of the warning, build its notices package and its compliance
    check now, in a background thread, so the officer's first look at them after an
    issue, adjustment, release or electricity import does not wait (10^5 firms: seconds
    for the plan, a quarter of a minute each for the package and the check)."""
    import logging
    import threading

    def run():
        from emergency.console.pages.notices import _package
        from emergency.console.warning_view import warning_and_versions

        from emergency.console.pages.compliance import _report

        try:
            _, versions = warning_and_versions(engine, warning_id)
            if versions and plan:
                _, doc = document(engine, warning_id, versions[-1].version_no)
                firm_actions(doc, versions[-1].sha256)
            if package:
                _package(engine, warning_id, None)
            if compliance and versions:
                _report(engine, warning_id, None)
            if plan and versions:
                from emergency.console.pages.firm import _orders
                from emergency.console.pages.map import points_body
                from emergency.console.warning_view import warning

                points_body(engine, warning_id)
                _orders(engine, warning(engine, warning_id))  # the firms' portal: their orders
        except Exception:  # noqa: BLE001 - a warm-up failing only means the page computes it when asked
            logging.getLogger("emergency.console").warning("warm-up of warning %s failed", warning_id, exc_info=True)

    threading.Thread(target=run, name=f"console-warm-{warning_id}", daemon=True).start()


def package_key(engine: Engine, w, version: int | None) -> tuple:
    """The cache key of the notices package of warning record ``w`` (at ``version``; None:
    its latest) — every change of the warning bumps its ``row_version``."""
    return ("package", str(engine.url), w.id, version, w.row_version, w.state)


def warm_if_cold(engine: Engine, warnings) -> None:
    """:func:`warm` each of ``warnings`` (active warning records) whose package at its
    current state is neither cached nor being built: a warning issued or changed by the
    CLI, the API or the scheduler (another process, or no console request) is warmed when
    the officer first opens the console, not when they first open its notices."""
    for w in warnings:
        if not is_cached(package_key(engine, w, None)):
            warm(engine, w.id)


@dataclass(frozen=True)
class Filters:
    county: str = ""
    industry: str = ""
    grade: str = ""
    measure: str = ""
    q: str = ""

    def match(self, a: Action, facts: dict[str, tuple[str, str]]) -> bool:
        if self.county and a.county != self.county:
            return False
        if self.measure and a.measure != self.measure:
            return False
        if self.industry or self.grade:
            industry, grade = facts.get(a.enterprise_uscc, ("", ""))
            if (self.industry and industry != self.industry) or (self.grade and grade != self.grade):
                return False
        if self.q and self.q not in a.enterprise_uscc and self.q not in (a.enterprise_name or ""):
            return False
        return True

    def active(self) -> bool:
        return any((self.county, self.industry, self.grade, self.measure, self.q))


@dataclass(frozen=True)
class ActionPage:
    total: int  # actions matching
    page: int
    pages: int
    rows: list[Action]
    lost_value_yuan: float  # of the matching actions


def actions_page(doc: PlanDocument, facts: dict, filters: Filters, page: int) -> ActionPage:
    matching = [a for a in doc.actions if filters.match(a, facts)] if filters.active() else doc.actions
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(max(1, page), pages)
    lost = sum(a.lost_value_yuan for a in matching)
    return ActionPage(len(matching), page, pages, list(matching[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]), lost)


def choices(doc: PlanDocument, facts: dict, sha256: str) -> dict[str, list]:
    """The values the filters offer: counties and measures in the plan, industries and
    grades of its firms (cached by the plan's hash)."""
    return cached(("choices", sha256), lambda: _choices(doc, facts))


def _choices(doc: PlanDocument, facts: dict) -> dict[str, list]:
    counties = sorted({a.county or "" for a in doc.actions} - {""})
    measures = sorted({(a.measure, a.measure_zh or a.measure) for a in doc.actions})
    firms = {a.enterprise_uscc for a in doc.actions}
    industries = sorted({facts[u][0] for u in firms if u in facts})
    grades = sorted({facts[u][1] for u in firms if u in facts})
    return {"counties": counties, "measures": measures, "industries": industries, "grades": grades}


@dataclass(frozen=True)
class LineChange:
    line_id: str
    enterprise_uscc: str
    enterprise_name: str
    county: str
    before: Action | None
    after: Action | None

    @property
    def kind(self) -> str:
        return "新增" if self.before is None else "取消" if self.after is None else "调整"


def diff(old: PlanDocument, new: PlanDocument) -> list[LineChange]:
    """The lines whose measure differs between two plans (added, removed, or another
    output cut), in county and firm order — line by line, what
    :func:`emergency.plans.service.diff_plans` counts (a line is compared by its output cut)."""
    before = {a.line_id: a for a in old.actions}
    after = {a.line_id: a for a in new.actions}
    out = []
    for line in before.keys() | after.keys():
        a, b = before.get(line), after.get(line)
        if a is not None and b is not None and round(a.output_cut, 9) == round(b.output_cut, 9):
            continue
        x = b or a
        out.append(LineChange(line, x.enterprise_uscc, x.enterprise_name or "", x.county or "", a, b))
    out.sort(key=lambda c: (c.county, c.enterprise_uscc, c.line_id))
    return out
