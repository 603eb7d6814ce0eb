"""Console benchmark: server time per page at province scale.

    python benchmarks/console.py [--sizes 2000 100000] [--repeat 3]

For each size: a generated list imported into a fresh SQLite database, an orange
warning issued 108 h ahead (every line can stop in time) and upgraded to red by the
service functions (as the CLI or the API would: the console's process has nothing
cached), a forecast evaluated. The officer signs in: the home page starts the
background warm-up of the active warning (plan parsed, notices package built,
compliance checked), whose duration is printed. Then every console page of the night
is requested through the application in-process (Starlette's TestClient, so no
network) as a signed-in duty officer, ``repeat`` times; printed: the first request and
the median of the rest, in seconds, and the page size.
With ``--browser`` (Playwright and /usr/bin/chromium), also the time Chromium takes to
draw the map's points (fetch + Leaflet canvas), as the page itself reports it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from emergency import clock  # noqa: E402
from emergency.api.app import create_app  # noqa: E402
from emergency.vocabulary import WarningLevel  # noqa: E402
from emergency.workflow import accounts  # noqa: E402
from emergency.workflow import lifecycle as wf  # noqa: E402
from enterprise_registry import service as registry  # noqa: E402
from enterprise_registry.generator import generate_registry  # noqa: E402

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone(timedelta(hours=8)))
START, END = datetime(2026, 12, 8, 0, 0), datetime(2026, 12, 11, 0, 0)


def _night(n: int, tmp: Path):
    app = create_app(f"sqlite:///{tmp / f'console-{n}.sqlite'}")
    engine = app.state.engine
    t = time.perf_counter()
    registry.import_tables(engine, generate_registry(n, 1))
    print(f"  list of {n:,} enterprises imported in {time.perf_counter() - t:.1f} s", flush=True)
    accounts.add_user(engine, "officer", "password-123", "duty_officer")
    t = time.perf_counter()
    w = wf.issue_warning(engine, actor="officer", level=WarningLevel.ORANGE, areas=None, start=START, end=END,
                         approve_suggested=True, accept_shortfall=True).warning
    wf.adjust_warning(engine, w.id, actor="officer", level=WarningLevel.RED, approve_suggested=True,
                      accept_shortfall=True)
    print(f"  orange issued and upgraded to red in {time.perf_counter() - t:.1f} s", flush=True)
    return app, w.id


def _client(app) -> tuple[TestClient, str]:
    c = TestClient(app)
    nonce = re.search(r'name="nonce" value="([^"]+)"', c.get("/login").text).group(1)
    c.post("/login", data={"username": "officer", "password": "password-123", "nonce": nonce})
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)
    c.post("/forecast/evaluate", data={"csrf": csrf, "values": "120,150,210,230,320,250,140", "first_day": "2026-12-06"})
    return c, csrf


def _wait_warm(engine, wid: int) -> float:
    """Seconds until the console's background warm-up of ``wid`` (started by the home page,
    as for a warning issued by the CLI, the API or the scheduler) has finished."""
    from emergency.console import plan_view
    from emergency.console.warning_view import warning

    t = time.perf_counter()
    key = plan_view.package_key(engine, warning(engine, wid), None)
    while not plan_view.is_cached(key) or plan_view._FLIGHTS:
        time.sleep(0.1)
    return time.perf_counter() - t


def _pages(wid: int, county: str, uscc: str) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("warnings", "/warnings"),
        ("warning", f"/warnings/{wid}"),
        ("issue form", "/warnings/new"),
        ("plan", f"/warnings/{wid}/plans/2"),
        ("plan, county filter", f"/warnings/{wid}/plans/2?county={county}"),
        ("plan, last page", f"/warnings/{wid}/plans/2?page=100000"),
        ("firm", f"/warnings/{wid}/plans/2/firms/{uscc}"),
        ("notices", f"/warnings/{wid}/notices"),
        ("county print", f"/warnings/{wid}/notices/county/0"),
        ("compliance", f"/warnings/{wid}/compliance"),
        ("list", "/registry"),
        ("list firm", f"/registry/firms/{uscc}"),
        ("audit log", "/audit"),
        ("map page", f"/map?warning={wid}"),
        ("map points (JSON)", f"/map/points.json?warning={wid}"),
    ]


def map_in_browser(app, wid: int) -> tuple[float, int]:
    """(seconds from navigation until every point is drawn, points drawn) in Chromium."""
    import socket
    import threading

    import uvicorn
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/login")
            page.fill("input[name=username]", "officer")
            page.fill("input[name=password]", "password-123")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            t = time.perf_counter()
            page.goto(f"{base}/map?warning={wid}")
            page.wait_for_selector("#map[data-drawn]", timeout=300_000)
            seconds = time.perf_counter() - t
            drawn = int(page.get_attribute("#map", "data-drawn"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    return seconds, drawn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--browser", action="store_true", help="also time drawing the map in Chromium")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    rows = []
    with clock.use_clock(NOW):
        for n in args.sizes:
            print(f"{n:,} enterprises", flush=True)
            app, wid = _night(n, tmp)
            t = time.perf_counter()
            client, _ = _client(app)  # signing in opens the home page: it warms the warning in the background
            seconds = _wait_warm(app.state.engine, wid)
            rows.append((n, "background warm-up after sign-in (plan, package, compliance)", seconds, seconds, 0))
            print(f"  warm-up after sign-in: {time.perf_counter() - t:.1f} s (pages asked for meanwhile wait for it)",
                  flush=True)
            doc = wf.plan_version(app.state.engine, wid)
            from emergency.plans.document import PlanDocument

            plan = PlanDocument.model_validate_json(doc.document)
            a = plan.actions[0]
            for name, url in _pages(wid, a.county, a.enterprise_uscc):
                times, size = [], 0
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = client.get(url)
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, (url, r.status_code, r.text[:500])
                    size = len(r.content)
                warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
                rows.append((n, name, times[0], warm, size))
                print(f"  {name:<22} cold {times[0]:6.2f} s   warm {warm:6.3f} s   {size / 1024:8.0f} KiB", flush=True)
            if args.browser:
                seconds, drawn = map_in_browser(app, wid)
                rows.append((n, f"map drawn in Chromium ({drawn:,} points)", seconds, seconds, 0))
                print(f"  map drawn in Chromium: {drawn:,} points in {seconds:.2f} s", flush=True)
            app.state.engine.dispose()
    print()
    print("| enterprises | page | first request (s) | later requests, median (s) | size (KiB) |")
    print("|---|---|---|---|---|")
    for n, name, cold, warm, size in rows:
        print(f"| {n:,} | {name} | {cold:.2f} | {warm:.3f} | {size / 1024:,.0f} |")


if __name__ == "__main__":
    main()
