"""The enterprise's own pages (企业端): an ``enterprise`` account's notices, receipts and
execution reports, its filed measures, rotation blocks and electricity compliance —
and the public page where a firm redeems the bureau's invitation.

Every page is the console's view of what ``/api/enterprise/…`` answers, through the
same services (:mod:`emergency.workflow.receipts`, :mod:`emergency.workflow.firm_view`,
:mod:`emergency.workflow.accounts`), never reimplemented:

=========================================================  ===================================
``GET  /firm``                                              我的通知: orders, deadlines, states,
                                                            the 确认收到 button and the per-line
                                                            落实情况报告 forms
``GET  /firm/warnings/{id}/notices/{uscc}``                 the notice, as the API serves it
``POST /firm/warnings/{id}/versions/{v}/receipt``           → ``receipts.confirm``
``POST /firm/warnings/{id}/versions/{v}/reports``           → ``receipts.report`` (evidence upload)
``GET  /firm/warnings/{id}/reports/{report}/evidence``      the firm's own evidence file
``GET  /firm/measures``                                     备案措施 per level (``firm_view.firms``)
``GET  /firm/rotation``                                     错峰生产 calendar (``firm_view.rotation_blocks``)
``GET  /firm/compliance``                                   用电核查 (``firm_view.compliance``'s rows,
                                                            from the console's cached check)
``GET|POST /firm/redeem``                                   public: redeem an invitation code
=========================================================  ===================================

**Scoping.** Every page but the redemption needs the ``own_firms`` permission (the
``enterprise`` role alone: the bureau's roles get 403 — they have the bureau's pages),
and every firm, order, notice and evidence file is checked against the account's
USCCs (``accounts.usccs_of``) by the service before anything is looked up, so another
firm's code or id answers 403 / 404 and says nothing about it.

**Which warnings.** 我的通知 shows the orders of the active warnings and of those
released in the last :data:`RECENT_DAYS` days (reports and compliance come after a
release), at most :data:`RECENT_WARNINGS`; ``?warning=<id>`` shows one warning's.

**Redemption** follows ``POST /api/auth/redeem``: the code and a password of the firm's
own (the username is the one the bureau invited), under the same per-address throttle
(``auth.throttled``); the form is protected by a double-submit nonce cookie as the
sign-in form is (its own cookie, path ``/firm/redeem``). A redeemed account is signed
in at once and lands on its portal, which names the username to sign in with next time.
"""

from __future__ import annotations

import hmac
import json
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from emergency import clock
from emergency.console import session
from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import CsrfRefused, Who
from emergency.errors import AuthenticationFailed, Conflict, EmergencyError, InputError, TooManyAttempts
from emergency.workflow.roles import Permission

router = area_router()

FirmPage = Annotated[Who, Depends(session.page(Permission.OWN_FIRMS))]
FirmAction = Annotated[Who, Depends(session.action(Permission.OWN_FIRMS))]

RECENT_DAYS = 14  # released warnings shown on 我的通知 this long after their release
RECENT_WARNINGS = 10
REDEEM_COOKIE = "emergency_redeem"
REDEEM_PATH = "/firm/redeem"
DOCUMENT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                    "X-Content-Type-Options": "nosniff"}

CONFIRM_ZH = {"pending": "待确认", "on_time": "已确认", "late": "已确认（逾期）", "overdue": "逾期未确认"}
REPORT_ZH = {"pending": "待报告", "on_time": "已报告", "late": "已报告（逾期）", "overdue": "逾期未报告",
             "not_required": "无需报告"}
DONE_ZH = {"confirmed": "已确认收到通知，回执已记录。请按通知落实措施，并在报告期限前逐条报告落实情况。",
           "new": "落实情况已报告。", "corrected": "落实情况报告已更正（首次报告时间不变）。",
           "unchanged": "报告内容与上次相同，未作更改。"}
LEVELS = ("yellow", "orange", "red")


def _usccs(request: Request, who: Who) -> tuple[str, ...]:
    from emergency.workflow import accounts

    return accounts.usccs_of(request.app.state.engine, who.user)


def _code(uscc: str) -> str:
    return uscc.strip().upper()[:18]


def _text(name: str, label: str, value: str) -> str:
    from emergency.api.routes.deps import control_character

    if found := control_character(value):
        raise InputError(f"{label}不能含控制字符（制表符、换行除外）: {found} (control characters)", field=name)
    return value


# --- 我的通知 ----------------------------------------------------------------------------


def _recent_warnings(engine) -> list:
    from emergency.workflow.lifecycle import list_warnings
    from emergency.workflow.models import ACTIVE_STATES

    active = {s.value for s in ACTIVE_STATES}
    since = clock.now() - timedelta(days=RECENT_DAYS)
    return [w for w in list_warnings(engine)
            if w.state in active or (w.released_at is not None and clock.as_utc(w.released_at) >= since)][:RECENT_WARNINGS]


def _orders(engine, w) -> list:
    """Every order of warning ``w`` (``receipts.orders``: built from its plan versions, so
    costly for a large list), cached until the warning changes (its ``row_version``)."""
    from emergency.console import plan_view
    from emergency.workflow import receipts

    return plan_view.cached(("firm-orders", str(engine.url), w.id, w.row_version, w.state),
                            lambda: receipts.orders(engine, w.id))


def _groups(engine, usccs: tuple[str, ...], warning_id: int | None) -> list[dict]:
    """Per warning (newest first) with orders to the account's firms: its record and its orders."""
    from emergency.workflow import receipts
    from emergency.workflow.lifecycle import get_warning

    records = [get_warning(engine, warning_id)[0]] if warning_id is not None else _recent_warnings(engine)
    out = []
    for w in records:
        mine = [o for o in _orders(engine, w) if o.uscc in usccs]
        rows = receipts.statuses(engine, w.id, usccs, of=mine) if mine else []
        if rows:
            latest = {}
            for o in mine:
                latest[o.uscc] = max(latest.get(o.uscc, 0), o.version_no)
            views = [_order_view(s, latest[s.order.uscc]) for s in rows]
            views.sort(key=lambda v: (-v["o"].version_no, v["o"].uscc))  # the newest notice first
            out.append({"warning": w, "areas": "、".join(json.loads(w.areas)), "orders": views})
    return out


def _order_view(s, latest_version: int) -> dict:
    """One order as the page shows it: states in Chinese and what to do next, by when;
    ``newer``: the version of a later notice to the same firm (None if this is its latest)."""
    o = s.order
    confirmed = s.confirmed_at is not None
    if not confirmed:
        todo = ("confirm", o.confirm_by)
    elif s.report_state in ("pending", "overdue"):
        todo = ("report", o.report_by)
    else:
        todo = ("done", None)
    lines = [{"line": ln, "report": s.reports.get(ln.line_id)} for ln in o.lines]
    return {"s": s, "o": o, "key": f"{o.warning_id}-{o.version_no}-{o.uscc}", "confirmed": confirmed,
            "confirm_zh": CONFIRM_ZH[s.confirm_state], "report_zh": REPORT_ZH[s.report_state],
            "todo": todo[0], "todo_by": todo[1], "lines": lines,
            "reported": sum(1 for x in lines if x["report"] is not None),
            "newer": latest_version if latest_version > o.version_no else None}


def _portal(request: Request, who: Who, warning_id: int | None, done: str | None = None, error: dict | None = None,
            status_code: int = 200, welcome: bool = False):
    engine = request.app.state.engine
    usccs = _usccs(request, who)
    return render(request, "firm_orders.html", status_code=status_code, who=who, usccs=usccs,
                  groups=_groups(engine, usccs, warning_id), warning_id=warning_id, done=DONE_ZH.get(done or ""),
                  error=error, welcome=welcome, recent_days=RECENT_DAYS,
                  taken_default=clock.fmt(clock.now(), "%Y-%m-%dT%H:%M"))


@router.get("/firm")
def portal(request: Request, who: FirmPage, warning: Annotated[int | None, Query(ge=1, le=2**62)] = None,
           done: Annotated[str | None, Query(max_length=20)] = None,
           welcome: Annotated[bool, Query()] = False):
    return _portal(request, who, warning, done, welcome=welcome)


@router.get("/firm/warnings/{warning_id}/notices/{uscc}")
def notice(warning_id: int, uscc: str, request: Request, who: FirmPage,
           version: Annotated[int | None, Query(ge=1, le=10**6)] = None):
    """The firm's notice — the same HTML ``GET /api/enterprise/warnings/{id}/notices/{uscc}`` serves, printable."""
    from emergency.workflow import receipts
    from emergency.workflow.package import notice_html

    code = _code(uscc)
    receipts.check_firm(code, _usccs(request, who))
    return HTMLResponse(notice_html(request.app.state.engine, warning_id, code, version), headers=DOCUMENT_HEADERS)


def _back(warning_id: int, version: int, uscc: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/firm?warning={warning_id}&done={done}#order-{warning_id}-{version}-{uscc}", status_code=303)


@router.post("/firm/warnings/{warning_id}/versions/{version}/receipt")
def confirm(warning_id: int, version: int, request: Request, who: FirmAction,
            uscc: Annotated[str, Form(max_length=40)] = ""):
    """确认收到 (回执): ``receipts.confirm``; again, it changes nothing (the first receipt stands)."""
    from emergency.workflow import receipts

    code = _code(uscc)
    receipts.confirm(request.app.state.engine, warning_id, version, code, who.username, _usccs(request, who))
    return _back(warning_id, version, code, "confirmed")


@router.post("/firm/warnings/{warning_id}/versions/{version}/reports")
def report(warning_id: int, version: int, request: Request, who: FirmAction,
           uscc: Annotated[str, Form(max_length=40)] = "", line_id: Annotated[str, Form(max_length=80)] = "",
           measure: Annotated[str, Form(max_length=1000)] = "", taken_at: Annotated[str, Form(max_length=40)] = "",
           file: Annotated[UploadFile | None, File()] = None):
    """落实情况报告 of one line: ``receipts.report`` with the optional evidence (the API's
    suffixes and size limit). A mistake the firm can fix (empty or future time, a file too
    large or of the wrong type, no receipt yet) shows the page again with the message at
    the order and the form as it was filled."""
    from emergency.api import uploads
    from emergency.workflow import receipts

    engine = request.app.state.engine
    usccs = _usccs(request, who)
    code = _code(uscc)
    receipts.check_firm(code, usccs)  # another firm's code: 403, before anything else is looked at
    try:
        for name, label, value in (("line_id", "生产线", line_id), ("measure", "落实措施", measure),
                                   ("taken_at", "落实时间", taken_at)):
            _text(name, label, value)
        when = receipts.parse_taken_at(taken_at)
        with tempfile.TemporaryDirectory(prefix="emergency-evidence-") as tmp:
            evidence = uploads.evidence(file, Path(tmp))
            r = receipts.report(engine, warning_id, version, code, line_id, measure, when, who.username, usccs, evidence)
    except (InputError, Conflict) as exc:  # TooLarge is an InputError
        error = {"key": f"{warning_id}-{version}-{code}", "line_id": line_id, "message": exc.message,
                 "measure": measure, "taken_at": taken_at}
        return _portal(request, who, warning_id, error=error, status_code=exc.http_status)
    return _back(warning_id, version, code, r.outcome)


@router.get("/firm/warnings/{warning_id}/reports/{report_id}/evidence")
def evidence(warning_id: int, report_id: int, request: Request, who: FirmPage):
    """One of the account's own evidence files, as an attachment (another firm's: 404)."""
    from emergency.api.routes.receipts import evidence_response
    from emergency.workflow import receipts

    found = receipts.evidence(request.app.state.engine, warning_id, report_id, _usccs(request, who))
    return evidence_response(found, report_id)


# --- 备案措施, 错峰生产, 用电核查 ---------------------------------------------------------


def _filed_text(f: dict) -> str:
    """A filed measure in words: its own text if the list has one, else the action's label."""
    from config.measures import ACTION_LABELS_ZH, Action

    if f.get("text"):
        return f["text"]
    try:
        label = ACTION_LABELS_ZH[Action(f["action"])]
        text = label.format(share=f.get("share") or 0.0, hours=f.get("hours") or 0.0)
    except (ValueError, KeyError):
        text = str(f["action"])
    if f.get("truck_ban") and f["action"] != Action.TRUCK_BAN.value:
        text += "；禁用国四及以下重型柴油货车运输"
    return text


def _measure_rows(firm: dict) -> list[dict]:
    """Per line (the firm-wide row first, when filed): its measure at each level."""
    names = {ln["line_code"]: ln["line_name"] for ln in firm.get("lines", [])}
    rows: dict[str | None, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    indicators: dict[str | None, set[str]] = defaultdict(set)
    for f in firm.get("filed_measures", []):
        rows[f["line_code"]][f["level"]].append(_filed_text(f))
        if f.get("indicator"):
            indicators[f["line_code"]].add(f["indicator"])
    order = ([None] if None in rows else []) + [c for c in names if c in rows] + sorted(c for c in rows if c and c not in names)
    return [{"code": c, "name": "全厂（未单独备案的生产线）" if c is None else names.get(c, c),
             "levels": {lv: "；".join(rows[c].get(lv, [])) for lv in LEVELS},
             "indicator": "、".join(sorted(indicators[c]))} for c in order]


@router.get("/firm/measures")
def measures(request: Request, who: FirmPage):
    from config.industries import load_industries
    from emergency.workflow import firm_view

    firms = firm_view.firms(request.app.state.engine, _usccs(request, who))
    industries = {code: ind.name_zh for code, ind in load_industries().industries.items()}
    return render(request, "firm_measures.html", who=who, industries=industries,
                  firms=[{"f": f, "rows": _measure_rows(f)} for f in firms])


def _calendar(lines: list[dict]) -> list[dict]:
    """Month grids of the lines' stop days: per month, per line, the set of stopped days."""
    stops: list[set[date]] = []
    for ln in lines:
        days = set()
        for a, b in ln.get("blocks") or []:
            d, last = date.fromisoformat(a), date.fromisoformat(b)
            while d <= last:
                days.add(d)
                d += timedelta(days=1)
        stops.append(days)
    every = set().union(*stops) if stops else set()
    if not every:
        return []
    months = []
    y, m = min(every).year, min(every).month
    end = (max(every).year, max(every).month)
    while (y, m) <= end:
        first = date(y, m, 1)
        n = ((date(y + m // 12, m % 12 + 1, 1)) - first).days
        days = [first + timedelta(days=k) for k in range(n)]
        months.append({"label": f"{y}年{m}月", "days": days,
                       "rows": [{"line": ln, "stopped": {d.day for d in days if d in s}} for ln, s in zip(lines, stops)]})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


@router.get("/firm/rotation")
def rotation(request: Request, who: FirmPage):
    from emergency.rotation.problem import ROLE_ZH
    from emergency.workflow import firm_view

    blocks = firm_view.rotation_blocks(request.app.state.engine, _usccs(request, who))
    roles = {r.name.lower(): zh for r, zh in ROLE_ZH.items()}
    lines = [{**ln, "role_zh": roles.get(ln.get("role") or "", ln.get("role") or ""),
              "spans": [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in ln.get("blocks") or []]}
             for ln in blocks["lines"]]
    return render(request, "firm_rotation.html", who=who, plan=blocks["plan"], lines=lines, months=_calendar(lines),
                  today=clock.today())


def firm_compliance(engine, warning_id: int, usccs: tuple[str, ...]) -> dict:
    """What ``firm_view.compliance`` answers (the account's rows of the warning's check),
    from the console's cached check of the whole warning (``pages.compliance._report``,
    the one the duty officer's page and the warm-up fill, refreshed by every change of the
    warning and every electricity import): at 10^5 firms the check takes seconds, and
    every firm's contact opening this page must not run it again."""
    from emergency.console.pages.compliance import _report

    report = _report(engine, warning_id, None)
    return {"warning_id": warning_id, "tolerance": report.tolerance,
            "warning_days": [d.isoformat() for d in report.warning_days],
            "rows": [r.as_dict() for r in report.rows if r.enterprise_uscc in usccs]}


@router.get("/firm/compliance")
def compliance(request: Request, who: FirmPage):
    """The firm's rows of each recent warning's electricity check (the warnings that sent it orders)."""
    from emergency.workflow.compliance import RULE_ZH

    engine = request.app.state.engine
    usccs = _usccs(request, who)
    checks = []
    for g in _groups(engine, usccs, None):
        w = g["warning"]
        try:
            checks.append({"warning": w, "check": firm_compliance(engine, w.id, usccs), "message": None,
                           "started": clock.as_utc(w.start) <= clock.now()})
        except EmergencyError as exc:  # said on the page, not hidden
            checks.append({"warning": w, "check": None, "message": exc.message, "started": True})
    return render(request, "firm_compliance.html", who=who, checks=checks, rule=RULE_ZH, recent_days=RECENT_DAYS)


# --- redeeming an invitation (public) ---------------------------------------------------


def _redeem_page(request: Request, message: str | None = None, status_code: int = 200):
    nonce = session.new_login_nonce()
    page = render(request, "firm_redeem.html", status_code=status_code, message=message, nonce=nonce)
    page.set_cookie(REDEEM_COOKIE, nonce, httponly=True, samesite="strict", secure=session.secure(request),
                    path=REDEEM_PATH, max_age=3600)
    return page


@router.get(REDEEM_PATH)
def redeem_page(request: Request):
    return _redeem_page(request)


@router.post(REDEEM_PATH)
def redeem(request: Request, code: Annotated[str, Form(max_length=200)] = "",
           password: Annotated[str, Form(max_length=1000)] = "", password2: Annotated[str, Form(max_length=1000)] = "",
           nonce: Annotated[str, Form(max_length=200)] = ""):
    from emergency.api.routes.auth import client_address, throttled
    from emergency.workflow import accounts

    kept = request.cookies.get(REDEEM_COOKIE) or ""
    if not kept or not nonce or not hmac.compare_digest(kept.encode(), nonce.encode()):
        raise CsrfRefused("开通表单已过期或来源不明，请刷新页面后重新填写 (redeem form expired)")
    if password != password2:
        return _redeem_page(request, "两次输入的密码不一致，请重新输入 (passwords differ)", 400)
    engine = request.app.state.engine
    try:
        user = throttled(request, "anonymous", lambda client: accounts.redeem(engine, code, password, client=client),
                         what_zh="邀请码验证")
    except TooManyAttempts as exc:
        return _redeem_page(request, exc.message, 429)
    except (AuthenticationFailed, InputError, Conflict) as exc:
        return _redeem_page(request, exc.message, exc.http_status)
    issued = accounts.issue_token(engine, user, session.TOKEN_NAME, client=client_address(request))
    response = RedirectResponse("/firm?welcome=true", status_code=303)
    session.set_session(response, request, issued.token)
    response.delete_cookie(REDEEM_COOKIE, path=REDEEM_PATH, httponly=True, samesite="strict")
    return response
