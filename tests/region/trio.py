"""Three hand-made cities of one region (甲市, 乙市, 丙市), each with its own list version
(two brick works in one county), and a policy directory whose ``regions/`` holds the
region 三市区域 (24 h to respond, the packaged config otherwise)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from config import POLICY_DIR
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.uscc import make_uscc
from tests.rotation.factory import firm, tables, uscc as factory_uscc

JIA, YI, BING = "甲市", "乙市", "丙市"
CITIES = (JIA, YI, BING)
VERSIONS = {JIA: "甲市清单2026", YI: "乙市清单2026", BING: "丙市清单2026"}
PREFIX = {JIA: "91320400", YI: "91320500", BING: "91320600"}
REGION = "trio"
REGION_ZH = "三市区域"
RESPONSE_HOURS = 24

# 2026-12-03 16:30 UTC is 2026-12-04 00:30 Beijing: the regional notice is issued then, so
# its 24 h deadline is 2026-12-04 16:30 UTC — 2026-12-05 00:30 Beijing, another calendar day.
ISSUED = datetime(2026, 12, 3, 16, 30, tzinfo=timezone.utc)
DEADLINE = ISSUED + timedelta(hours=RESPONSE_HOURS)
START = datetime(2026, 12, 5, 0, 0)  # Beijing, as typed
END = datetime(2026, 12, 8, 0, 0)

REGION_TOML = f'''
name = "{REGION}"
name_zh = "{REGION_ZH}"
kind = "province"
source = "测试"
confidence = "project"
[response]
within_hours = {RESPONSE_HOURS}
source = "测试：区域预警提示发布后24小时内"
confidence = "project"
''' + "".join(f'[[cities]]\nname = "{c}"\nprovince = "测试省"\nconfidence = "project"\n' for c in CITIES)


def policy_dir(tmp: Path) -> Path:
    """The packaged policy directory, copied, with the test region added."""
    dst = tmp / "policy"
    shutil.copytree(POLICY_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (dst / "regions" / f"{REGION}.toml").write_text(REGION_TOML, encoding="utf-8")
    return dst


def city_tables(city: str):
    t = tables([firm("K1"), firm("K2", lines=2)], city=city)
    t.version["name"] = VERSIONS[city]
    codes = {factory_uscc(k): make_uscc(f"{PREFIX[city]}00000000{n}") for n, k in enumerate(("K1", "K2"), start=1)}
    t.enterprises["uscc"] = [codes[u] for u in t.enterprises["uscc"]]
    t.lines["uscc"] = [codes[u] for u in t.lines["uscc"]]
    t.enterprises["name"] = [f"{city}{n}" for n in t.enterprises["name"]]
    return t


def load_cities(engine) -> None:
    for c in CITIES:
        registry.import_tables(engine, city_tables(c))


def city_warning(engine, city: str, level: L):
    """The city's own warning for the whole city, planned from its own list version."""
    w, _ = wf.issue_warning(engine, actor=f"{city}值班员", level=level, areas=None, start=START, end=END,
                            registry_version=VERSIONS[city], accept_shortfall=True)
    return w
