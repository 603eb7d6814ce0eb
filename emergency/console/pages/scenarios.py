"""Scenarios (情景模拟): run an example scenario, or an uploaded scenario file, and show
its report — :func:`scenarios.run.run_scenario` and :func:`scenarios.report.write_html`,
what ``emergency scenario run`` calls — or run two and compare their reports side by
side (:mod:`emergency.console.scenario_compare`).

An uploaded file is bounded (64 KB), stored under a server-chosen name and may name its
list only as ``generate`` (at most :data:`MAX_GENERATED` firms: larger runs belong to
the CLI) or ``version`` (a version in this database) — never ``file``, a path on the
server. Examples are chosen by their position in the packaged list, never by a name
from the client.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from emergency.console.pages._router import area_router
from emergency.console.rendering import render
from emergency.console.session import PlannerAction, Reader
from emergency.errors import InputError

router = area_router()
MAX_GENERATED = 20_000
DOCUMENT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                    "X-Content-Type-Options": "nosniff"}


def examples() -> list[tuple[Path, object]]:
    """The example scenario files packaged with ``scenarios`` (their own folder)."""
    import scenarios
    from scenarios.spec import load_scenario

    return [(p, load_scenario(p)) for p in sorted(Path(scenarios.__file__).parent.glob("*.toml"))]


@router.get("/scenarios")
def scenarios_page(request: Request, who: Reader):
    return render(request, "scenarios.html", who=who, examples=[s for _, s in examples()])


def _scenario(tmp: Path, example: str, file: UploadFile | None, side: str = ""):
    """The scenario a form names: an uploaded file (checked as the module says) or a
    packaged example by its position."""
    from emergency.api.uploads import client_name, receive, shown_as
    from scenarios.spec import load_scenario

    if file is not None and file.filename:
        name = client_name(file)
        folder = tmp / f"upload{side}"
        folder.mkdir()
        path = receive(file, folder, (".toml",), limit=64 * 1024)
        with shown_as(path, name):
            scenario = load_scenario(path)
        src = scenario.registry
        if src.file is not None:
            raise InputError(f"情景文件“{name}”的 [registry] 只能用 generate 或 version；file（服务器上的路径）请用命令行 "
                             "emergency scenario run (file paths only from the command line)")
        if src.generate is not None and src.generate.enterprises > MAX_GENERATED:
            raise InputError(f"情景文件“{name}”生成 {src.generate.enterprises:,} 家企业，值班台最多 {MAX_GENERATED:,} 家；"
                             "更大的情景请用命令行 emergency scenario run (too large for the console)")
        return scenario
    found = examples()
    if not example.isdigit() or not 0 <= int(example) < len(found):
        raise InputError(f"请选择{side}一个示例情景或上传情景文件 (choose an example or upload a file)", field=f"example{side}")
    return found[int(example)][1]


@router.post("/scenarios/run")
def run(request: Request, who: PlannerAction, example: Annotated[str, Form(max_length=10)] = "",
        file: Annotated[UploadFile | None, File()] = None):
    from scenarios.report import write_html
    from scenarios.run import run_scenario

    database = request.app.state.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="emergency-scenario-") as tmp:
        scenario = _scenario(Path(tmp), example, file)
        outcome = run_scenario(scenario, database)
        report = write_html([outcome], Path(tmp) / "report.html").read_text(encoding="utf-8")
    return HTMLResponse(report, headers=DOCUMENT_HEADERS)


@router.post("/scenarios/compare")
def compare(request: Request, who: PlannerAction, example_a: Annotated[str, Form(max_length=10)] = "",
            example_b: Annotated[str, Form(max_length=10)] = "", file_a: Annotated[UploadFile | None, File()] = None,
            file_b: Annotated[UploadFile | None, File()] = None):
    """Two scenarios run and their reports side by side: the summary of
    :func:`scenarios.report.summary_rows` with B − A, the cost curves on one chart, each
    one's days and reductions in two columns."""
    from emergency.console.scenario_compare import comparison
    from scenarios.run import run_scenario

    database = request.app.state.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="emergency-scenario-") as tmp:
        a = _scenario(Path(tmp), example_a, file_a, "A")
        b = _scenario(Path(tmp), example_b, file_b, "B")
        outcomes = [run_scenario(a, database), run_scenario(b, database)]
    return render(request, "scenario_compare.html", who=who, **comparison(outcomes))
