"""The announcement of each transition says what happened, with only the figures it has."""

import dataclasses

import pytest

from emergency.notices import templates
from emergency.notices.forecast import ForecastFacts
from tests.notices.test_print import FRAME

FACTS = ForecastFacts(218, 326, ("pm25",))


def _text(kind: str, fc: ForecastFacts = FACTS, **changes) -> str:
    kind_zh = {"issue": "启动", "upgrade": "升级", "downgrade": "降级", "extend": "延长", "release": "解除"}[kind]
    f = dataclasses.replace(FRAME, kind=kind, kind_zh=kind_zh, target="橙色预警：SO2、NOx、颗粒物、VOCs减排比例不低于20%",
                            **changes)
    return templates.render_text("announcement.txt.j2", f=f, fc=fc, period="12月05日至12月07日", plan_name="演示市重污染天气应急预案",
                                 laws="《中华人民共和国大气污染防治法》第九十六条", n_enterprises=1922, n_lines=4000,
                                 n_notices=1111, n_continuing=811)


def test_issue_gives_the_forecast_figures():
    text = _text("issue")
    assert "空气质量指数（AQI）预计为218–326" in text and "重度至严重污染" in text and "细颗粒物(PM2.5)" in text
    assert "启动重污染天气橙色预警（Ⅱ级应急响应）" in text and "12369" in text
    assert "SO2、NOx、颗粒物、VOCs减排比例不低于20%" in text


def test_issue_without_a_forecast_invents_nothing():
    text = _text("issue", ForecastFacts())
    assert "AQI" not in text and "严重污染" not in text and "首要污染物" not in text
    assert "将出现重污染天气过程" in text


@pytest.mark.parametrize("kind, old, words", [
    ("upgrade", "黄色", ["将重污染天气黄色预警（Ⅲ级应急响应）升级为橙色预警", "218–326"]),
    ("downgrade", "红色", ["将重污染天气红色预警（Ⅲ级应急响应）降级为橙色预警"]),
    ("extend", None, ["延长至2026年12月08日00时"]),
])
def test_adjustments_say_what_changed_and_who_is_told(kind, old, words):
    fc = ForecastFacts() if kind == "downgrade" else FACTS
    text = _text(kind, fc, old_level_zh=old, old_response="Ⅲ级" if old else None)
    for w in words:
        assert w in text
    assert "1111家" in text and "811家继续执行原措施" in text and "启动重污染" not in text
    if kind == "downgrade":
        assert "AQI" not in text


def test_release_names_its_reason_and_no_figures():
    text = _text("release", ForecastFacts(), release_reason="空气质量明显好转", issued_at="2026年12月06日10时")
    assert "鉴于空气质量明显好转" in text and "于2026年12月06日10时（北京时间）解除" in text and "各项应急减排措施相应解除" in text
    assert "AQI" not in text and "1922家工业企业已收到解除通知" in text
    assert "鉴于" not in _text("release", ForecastFacts(), release_reason=None)
