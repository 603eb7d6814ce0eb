"""A firm's own account (企业账户): redeem the bureau's invitation, then see and act on
its own firms only (:mod:`emergency.workflow.firm_view`, :mod:`emergency.workflow.receipts`).

``POST /api/auth/redeem`` (no token): the invitation code and the firm's own password →
the account (sign in afterwards with ``POST /api/auth/token``). Throttled per client
address in the same window as sign-ins (``routes.auth``): a code cannot be guessed
faster than a password.

Everything under ``/api/enterprise/`` is for the ``enterprise`` role alone (403 to the
bureau's roles: they have their own routes) and answers only about the account's
USCCs: a firm not bound to the account is refused (403) before anything is looked up,
so the answer says nothing about other firms.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from emergency.api import uploads
from emergency.api.routes.deps import FirmAccount, In, control_character, engine
from emergency.api.routes.notices import NO_SCRIPT, Version
from emergency.errors import InputError
from emergency.workflow import accounts, firm_view, receipts

router = APIRouter(tags=["enterprise"])


class RedeemRequest(In):
    code: str = Field(max_length=100, description="The invitation code (case, spaces and hyphens do not matter).")
    password: str = Field(max_length=1000, description="The firm's own password (at least 8 characters).")


@router.post("/auth/redeem", status_code=201)
def redeem(body: RedeemRequest, request: Request) -> dict:
    from emergency.api.routes.auth import throttled

    user = throttled(request, "anonymous",
                     lambda client: accounts.redeem(engine(request), body.code, body.password, client=client), what_zh="")
    return {"username": user.username, "role": user.role, "usccs": list(accounts.usccs_of(engine(request), user)),
            "detail": "企业账户已开通，请用用户名和密码登录 (account created; sign in with POST /api/auth/token)"}


@router.get("/enterprise/me")
def me(firm: FirmAccount) -> dict:
    return {"username": firm.user.username, "full_name": firm.user.full_name, "role": firm.user.role, "usccs": list(firm.usccs)}


@router.get("/enterprise/firms")
def firms(request: Request, firm: FirmAccount) -> list[dict]:
    """The account's firms in the list in effect: record, lines, filed measures."""
    return firm_view.firms(engine(request), firm.usccs)


@router.get("/enterprise/rotation")
def rotation(request: Request, firm: FirmAccount) -> dict:
    """The account's lines and their stop blocks in the rotation plan in effect."""
    return firm_view.rotation_blocks(engine(request), firm.usccs)


@router.get("/enterprise/orders")
def orders(request: Request, firm: FirmAccount,
           warning: Annotated[int | None, Query(ge=1, description="One warning (default: every active one)")] = None) -> list[dict]:
    """The account's orders (one per warning version that sent its firm a notice): the
    deadlines, its receipt and its reports per line, with their states."""
    return [s.as_dict() for s in receipts.firm_statuses(engine(request), firm.usccs, warning)]


@router.get("/enterprise/warnings/{warning_id}/notices/{uscc}", response_class=HTMLResponse)
def notice(warning_id: int, uscc: str, request: Request, firm: FirmAccount, version: Version = None) -> HTMLResponse:
    """The firm's notice (rules of ``GET /api/warnings/{id}/notices/{uscc}``), its own only."""
    from emergency.workflow.package import notice_html

    receipts.check_firm(uscc, firm.usccs)
    return HTMLResponse(notice_html(engine(request), warning_id, uscc, version), headers=NO_SCRIPT)


@router.get("/enterprise/warnings/{warning_id}/reports/{report_id}/evidence")
def evidence(warning_id: int, report_id: int, request: Request, firm: FirmAccount) -> Response:
    """The evidence file of one of the account's reports (as an attachment)."""
    from emergency.api.routes.receipts import evidence_response

    return evidence_response(receipts.evidence(engine(request), warning_id, report_id, firm.usccs), report_id)


@router.get("/enterprise/warnings/{warning_id}/compliance")
def compliance(warning_id: int, request: Request, firm: FirmAccount) -> dict:
    """The account's firms' rows of the warning's compliance check."""
    return firm_view.compliance(engine(request), warning_id, firm.usccs)


class ReceiptRequest(In):
    uscc: str = Field(max_length=18)


@router.post("/enterprise/warnings/{warning_id}/versions/{version}/receipt")
def confirm(warning_id: int, version: int, body: ReceiptRequest, request: Request, firm: FirmAccount) -> dict:
    """Confirm receipt of the order (回执). Idempotent: again, it answers the first receipt (``new`` false)."""
    c = receipts.confirm(engine(request), warning_id, version, body.uscc, firm.user.username, firm.usccs)
    return {**c.status.as_dict(), "new": c.new}


def _text(name: str, value: str) -> str:
    if found := control_character(value):
        raise InputError(f"{name} 不能含控制字符（制表符、换行除外）: {found} (control characters)", field=name)
    return value


@router.post("/enterprise/warnings/{warning_id}/versions/{version}/reports")
def report(
    warning_id: int, version: int, request: Request, firm: FirmAccount,
    uscc: Annotated[str, Form(max_length=18)], line_id: Annotated[str, Form(max_length=80)],
    measure: Annotated[str, Form(max_length=receipts.MEASURE_MAX)],
    taken_at: Annotated[str, Form(max_length=40, description="When the measure was taken (ISO 8601; no zone: 北京时间)")],
    file: Annotated[UploadFile | None, File(description="Optional evidence: .jpg / .png / .pdf, at most 10 MB")] = None,
) -> dict:
    """Report the measure taken on one line of the order (after the receipt). Again with
    the same content: ``unchanged``; with other content: ``corrected`` (the first report
    time stays)."""
    for name, value in (("uscc", uscc), ("line_id", line_id), ("measure", measure), ("taken_at", taken_at)):
        _text(name, value)
    receipts.check_firm(uscc, firm.usccs)
    when = receipts.parse_taken_at(taken_at)
    with tempfile.TemporaryDirectory(prefix="emergency-evidence-") as tmp:
        evidence = uploads.evidence(file, Path(tmp))
        r = receipts.report(engine(request), warning_id, version, uscc, line_id, measure, when, firm.user.username,
                            firm.usccs, evidence)
    return {**r.status.as_dict(), "outcome": r.outcome}
