"""Documents of a warning (通知与公告): enterprise notices, the public announcement."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from emergency.api.routes.deps import Reader, engine
from emergency.errors import NotFound

router = APIRouter(tags=["notices"])


@router.get("/warnings/{warning_id}/notices/{uscc}", response_class=HTMLResponse)
def notice(warning_id: int, uscc: str, request: Request, _: Reader) -> str:
    from emergency.workflow.package import write_notices

    with tempfile.TemporaryDirectory() as tmp:
        write_notices(engine(request), warning_id, Path(tmp))
        files = list((Path(tmp) / "管控通知").glob(f"*_{uscc}.html"))
        if not files:
            raise NotFound(f"预警 {warning_id} 的方案中没有企业 {uscc} 的管控措施")
        return files[0].read_text(encoding="utf-8")


@router.get("/warnings/{warning_id}/announcement", response_class=PlainTextResponse)
def announcement(warning_id: int, request: Request, _: Reader) -> str:
    from emergency.workflow.package import write_notices

    with tempfile.TemporaryDirectory() as tmp:
        write_notices(engine(request), warning_id, Path(tmp))
        return (Path(tmp) / "预警信息发布.txt").read_text(encoding="utf-8")
