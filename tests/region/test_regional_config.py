"""Region definitions (config/regions/*.toml): the packaged regions as the issue and the
widely repeated lists name them, every unconfirmed fact tagged, and broken files refused
with the file and the key."""

from __future__ import annotations

import pytest

from config.common import Confidence
from config.regions import load_region, regions
from emergency.errors import NotFound, PolicyError

FENWEI = {"山西省": ["太原市", "晋中市", "吕梁市", "临汾市", "运城市"], "河南省": ["洛阳市", "三门峡市"],
          "陕西省": ["西安市", "铜川市", "宝鸡市", "咸阳市", "渭南市", "杨凌示范区"]}
TWO_PLUS_26 = {"北京市": ["北京市"], "天津市": ["天津市"],
               "河北省": ["石家庄市", "唐山市", "廊坊市", "保定市", "沧州市", "衡水市", "邢台市", "邯郸市"],
               "山西省": ["太原市", "阳泉市", "长治市", "晋城市"],
               "山东省": ["济南市", "淄博市", "济宁市", "德州市", "聊城市", "滨州市", "菏泽市"],
               "河南省": ["郑州市", "开封市", "安阳市", "鹤壁市", "新乡市", "焦作市", "濮阳市"]}


def _by_province(r) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in r.cities:
        out.setdefault(r.provinces[c], []).append(c)
    return out


def test_packaged_regions():
    assert {r.name for r in regions()} >= {"fenwei", "jingjinji_2_26", "demo"}
    fenwei = load_region("汾渭平原")
    assert fenwei == load_region("fenwei")  # the key or the Chinese name
    assert _by_province(fenwei) == FENWEI
    two = load_region("jingjinji_2_26")
    assert _by_province(two) == TWO_PLUS_26 and len(two.cities) == 2 + 26
    for r in (fenwei, two):
        assert r.confidence == Confidence.TO_VERIFY and r.to_verify() == list(r.cities)  # nothing read first-hand
        assert r.response_within_hours == 24 and r.response_confidence == Confidence.PROJECT and r.targets is None
    demo = load_region("demo")
    assert demo.kind == "province" and "演示市" in demo.cities and demo.targets is not None


def test_unknown_region_names_the_known_ones():
    with pytest.raises(NotFound) as e:
        load_region("珠三角")
    assert "汾渭平原（fenwei）" in e.value.message


@pytest.mark.parametrize("body, where", [
    ('name = "bad"\nname_zh = "坏"\nkind = "province"\nsource = "s"\nconfidence = "project"\n'
     '[response]\nwithin_hours = 0\nsource = "s"\nconfidence = "project"\n'
     '[[cities]]\nname = "甲市"\nprovince = "省"\nconfidence = "project"\n', "response.within_hours"),
    ('name = "bad"\nname_zh = "坏"\nkind = "province"\nsource = "s"\nconfidence = "project"\n'
     '[response]\nwithin_hours = 24\nsource = "s"\nconfidence = "sure"\n'
     '[[cities]]\nname = "甲市"\nprovince = "省"\nconfidence = "project"\n', "response.confidence"),
    ('name = "bad"\nname_zh = "坏"\nkind = "province"\nsource = "s"\nconfidence = "project"\n'
     '[response]\nwithin_hours = 24\nsource = "s"\nconfidence = "project"\n'
     '[[cities]]\nname = "甲市"\nprovince = "省"\nconfidence = "project"\n'
     '[[cities]]\nname = "甲市"\nprovince = "省"\nconfidence = "project"\n', "cities listed twice: 甲市"),
    ('name = "other"\nname_zh = "坏"\nkind = "province"\nsource = "s"\nconfidence = "project"\n'
     '[response]\nwithin_hours = 24\nsource = "s"\nconfidence = "project"\n'
     '[[cities]]\nname = "甲市"\nprovince = "省"\nconfidence = "project"\n', 'must equal the file\'s name "bad"'),
])
def test_broken_files_are_refused_with_the_file_and_key(tmp_path, body, where):
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "bad.toml").write_text(body, encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        regions(tmp_path)
    assert "regions/bad.toml" in e.value.message and where in e.value.message, e.value.message
