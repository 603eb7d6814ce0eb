"""Synthetic emergency reduction lists (应急减排清单) for demos, tests and benchmarks.

``generate_registry(n, seed)`` returns a :class:`RegistryTables` in the import format.
It imitates a city of the seeds' region (Shanxi / Guanzhong): the industries of the
local plans, a grade mix like published counts (DOMAIN §8: A-grade ≈ 1 %, B a few
per cent, most key-industry firms C/D, non-key firms 一厂一策; essential ≈ 4 %,
split like Henan 2019's 516 livelihood / 99 strategic / 350 military-export), and
heavy-tailed (log-normal) plant sizes so a few steel, coking and cement plants
dominate SO2/NOx/PM while coating, printing and rubber dominate VOCs.

Calibration of the areas: whole-society base = listed emissions / industrial share
of the pollutant (SO2 0.6, NOx 0.4, PM 0.45, VOCs 0.5). The share assigned to the
listed firms is set so that the red-level requirement (30 % × base × share) is
45–65 % of the area's listed emissions, and never more than 85 % of what the
area's non-spared firms could deliver if every interruptible line stopped and
every uninterruptible one ran at its minimum load. So yellow, orange and red are
all feasible without touching A-grade or essential firms; at red the grade-table
floors fall short in some areas, so the optimiser must choose deeper measures.

Deterministic for a seed: one ``numpy.random.Generator``; no set or dict order.
Vectorised: 100,000 enterprises (≈ 250,000 lines) in a few seconds.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from enterprise_registry.columns import RegistryTables
from enterprise_registry.uscc import CHARSET, WEIGHTS

# --------------------------------------------------------------------- profiles
# industry: (share of enterprises, mean extra lines (Poisson), grading scheme)
INDUSTRIES: dict[str, tuple[float, float, str]] = {
    "non_key": (0.47, 1.2, "firm_specific"),
    "foundry": (0.08, 2.2, "ABCD"),
    "brick": (0.07, 1.3, "ABCD"),
    "industrial_coating": (0.07, 1.5, "ABCD"),
    "packaging_printing": (0.05, 1.5, "ABCD"),
    "ready_mix": (0.04, 1.2, "leader"),
    "ceramics": (0.03, 2.0, "ABCD"),
    "refractory": (0.03, 1.7, "ABCD"),
    "lime": (0.03, 1.3, "ABCD"),
    "rubber": (0.03, 1.8, "ABCD"),
    "cement_grinding": (0.02, 1.0, "leader"),
    "carbon": (0.02, 2.1, "ABCD"),
    "cement": (0.015, 1.5, "ABCD"),
    "glass": (0.01, 1.0, "ABCD"),
    "coking": (0.01, 2.0, "ABCD"),
    "steel": (0.005, 5.5, "ABCD"),
}

# Regional profiles (``region=``): the seed cities' rotation industries on top of the base mix
# (DOMAIN §6). Without a region the list is the demo city's, draw for draw.
REGIONS: dict[str, dict] = {
    # 晋中市 (seed 001, Shanxi): alumina and coal chemicals are in Shanxi's rotation list
    "shanxi": {"city": "晋中市", "industries": {"alumina": (0.01, 1.5, "ABCD"), "coal_chemical": (0.015, 2.0, "firm_specific")}},
    # 咸阳市 (seed 002, Guanzhong): rock wool and secondary aluminium rotate there
    "guanzhong": {"city": "咸阳市", "industries": {"rock_wool": (0.02, 1.5, "ABCD"), "secondary_aluminium": (0.02, 1.5, "ABCD")}},
}

# process: (industry, weight within industry, unit, median capacity, yuan per day at median,
#           SO2, NOx, PM, VOCs kg/day at median, interruptible, min_load range, lead time range h)
PROCESSES: list[tuple] = [
    ("coking", "coke_oven_ge6m", 0.5, "吨/日", 3000, 6.0e6, (300, 900, 250, 150), False, (0.6, 0.8), (48, 72)),
    ("coking", "coke_oven_lt6m", 0.5, "吨/日", 1500, 3.0e6, (200, 600, 180, 120), False, (0.6, 0.8), (48, 72)),
    ("steel", "sinter", 0.25, "吨/日", 8000, 8.0e6, (1200, 1500, 800, 30), True, (0.3, 0.5), (12, 24)),
    ("steel", "pellet", 0.12, "吨/日", 5000, 4.0e6, (500, 700, 300, 0), True, (0.3, 0.5), (12, 24)),
    ("steel", "blast_furnace", 0.2, "吨/日", 6000, 1.8e7, (100, 200, 400, 0), True, (0.5, 0.7), (24, 48)),
    ("steel", "converter", 0.15, "吨/日", 6000, 2.0e7, (20, 50, 300, 0), True, (0.3, 0.5), (6, 12)),
    ("steel", "lime_kiln", 0.13, "吨/日", 800, 4.0e5, (80, 200, 120, 0), True, (0.3, 0.5), (12, 24)),
    ("steel", "rolling", 0.15, "吨/日", 5000, 2.2e7, (50, 150, 60, 20), True, (0.2, 0.4), (2, 6)),
    ("foundry", "cupola", 0.25, "吨/日", 100, 4.0e5, (20, 15, 60, 5), True, (0.2, 0.4), (2, 8)),
    ("foundry", "electric_furnace", 0.3, "吨/日", 80, 4.0e5, (0, 2, 15, 2), True, (0.2, 0.4), (1, 4)),
    ("foundry", "molding", 0.25, "吨/日", 100, 2.0e5, (0, 0, 20, 8), True, (0.0, 0.2), (1, 2)),
    ("foundry", "finishing", 0.2, "吨/日", 100, 1.5e5, (0, 0, 10, 20), True, (0.0, 0.2), (1, 2)),
    ("cement", "clinker", 1.0, "吨/日", 4000, 1.4e6, (150, 1400, 300, 0), True, (0.5, 0.6), (24, 48)),
    ("cement_grinding", "grinding", 1.0, "吨/日", 2000, 5.0e5, (0, 0, 80, 0), True, (0.2, 0.3), (2, 6)),
    ("brick", "kiln", 0.6, "万块/日", 30, 1.0e5, (60, 40, 30, 0), True, (0.5, 0.7), (24, 72)),
    ("brick", "forming", 0.4, "万块/日", 30, 3.0e4, (0, 0, 25, 0), True, (0.0, 0.2), (1, 4)),
    ("ceramics", "kiln", 0.6, "万平方米/日", 2, 5.0e5, (40, 90, 30, 5), True, (0.5, 0.7), (24, 48)),
    ("ceramics", "spray_dryer", 0.4, "吨/日", 1000, 2.0e5, (30, 40, 40, 0), True, (0.3, 0.5), (12, 24)),
    ("refractory", "kiln", 0.6, "吨/日", 200, 3.0e5, (30, 60, 30, 0), True, (0.5, 0.7), (24, 48)),
    ("refractory", "crushing", 0.4, "吨/日", 300, 1.0e5, (0, 0, 30, 0), True, (0.0, 0.2), (1, 4)),
    ("lime", "lime_kiln", 1.0, "吨/日", 600, 2.4e5, (40, 120, 60, 0), True, (0.4, 0.6), (24, 48)),
    ("carbon", "calcining", 0.4, "吨/日", 300, 6.0e5, (150, 60, 40, 20), True, (0.4, 0.6), (24, 48)),
    ("carbon", "roasting", 0.4, "吨/日", 250, 5.0e5, (100, 40, 30, 40), True, (0.4, 0.6), (24, 48)),
    ("carbon", "graphitization", 0.2, "吨/日", 100, 8.0e5, (30, 10, 15, 5), True, (0.3, 0.5), (12, 24)),
    ("glass", "furnace", 1.0, "吨/日", 600, 1.2e6, (300, 1200, 100, 0), False, (0.7, 0.9), (72, 96)),
    ("ready_mix", "mixing", 1.0, "立方米/日", 2000, 8.0e5, (0, 0, 30, 0), True, (0.0, 0.1), (1, 2)),
    ("industrial_coating", "coating_line", 1.0, "平方米/日", 5000, 4.0e5, (0, 2, 5, 80), True, (0.0, 0.2), (1, 4)),
    ("packaging_printing", "printing", 1.0, "万印/日", 50, 2.0e5, (0, 0, 1, 50), True, (0.0, 0.1), (1, 2)),
    ("rubber", "mixing", 0.5, "吨/日", 30, 2.0e5, (2, 3, 8, 25), True, (0.1, 0.3), (2, 6)),
    ("rubber", "vulcanization", 0.5, "吨/日", 30, 2.5e5, (1, 2, 3, 30), True, (0.1, 0.3), (2, 6)),
    ("non_key", "general", 0.8, "吨/日", 50, 1.0e5, (25, 40, 30, 60), True, (0.0, 0.3), (1, 6)),
    ("non_key", "boiler", 0.1, "蒸吨/日", 100, 3.0e4, (30, 60, 10, 0), True, (0.3, 0.5), (4, 12)),
    ("non_key", "heating_boiler", 0.05, "蒸吨/日", 200, 2.0e4, (40, 80, 15, 0), True, (0.5, 0.7), (4, 12)),
    ("non_key", "life_service", 0.05, "吨/日", 5, 1.0e4, (0, 0.5, 1, 2), True, (0.0, 0.2), (1, 2)),
    # regional industries (appended: the base profiles keep their rows)
    ("rock_wool", "melting", 0.6, "吨/日", 200, 3.0e5, (40, 60, 50, 5), False, (0.6, 0.8), (48, 72)),
    ("rock_wool", "curing", 0.4, "吨/日", 200, 1.0e5, (5, 10, 15, 20), True, (0.2, 0.4), (4, 12)),
    ("secondary_aluminium", "melting", 0.7, "吨/日", 100, 4.0e5, (10, 20, 30, 5), True, (0.3, 0.5), (12, 24)),
    ("secondary_aluminium", "pretreatment", 0.3, "吨/日", 100, 1.0e5, (5, 5, 20, 15), True, (0.0, 0.2), (2, 6)),
    ("alumina", "calcination", 0.5, "吨/日", 3000, 3.0e6, (300, 500, 150, 0), False, (0.6, 0.8), (48, 96)),
    ("alumina", "digestion", 0.5, "吨/日", 3000, 2.0e6, (50, 80, 40, 0), False, (0.6, 0.8), (48, 96)),
    ("coal_chemical", "gasification", 0.4, "吨/日", 2000, 4.0e6, (200, 300, 100, 80), False, (0.6, 0.8), (48, 96)),
    ("coal_chemical", "synthesis", 0.4, "吨/日", 2000, 3.0e6, (20, 50, 20, 100), False, (0.6, 0.8), (48, 96)),
    ("coal_chemical", "power_boiler", 0.2, "蒸吨/日", 300, 5.0e5, (100, 200, 40, 0), True, (0.4, 0.6), (12, 24)),
]

PROCESS_NAMES = {
    "coke_oven_ge6m": "焦炉", "coke_oven_lt6m": "焦炉", "sinter": "烧结机", "pellet": "球团竖炉",
    "blast_furnace": "高炉", "converter": "转炉", "lime_kiln": "石灰窑", "rolling": "轧钢线",
    "cupola": "冲天炉", "electric_furnace": "中频炉", "molding": "造型线", "finishing": "清理涂装线",
    "clinker": "熟料生产线", "grinding": "粉磨线", "kiln": "窑炉", "forming": "成型线",
    "spray_dryer": "喷雾干燥塔", "crushing": "破碎线", "calcining": "煅烧炉", "roasting": "焙烧炉",
    "graphitization": "石墨化炉", "furnace": "熔窑", "mixing": "生产线", "coating_line": "涂装线",
    "printing": "印刷线", "vulcanization": "硫化线", "general": "生产线", "boiler": "锅炉",
    "heating_boiler": "供暖锅炉", "life_service": "服务设施",
    "melting": "熔炉", "curing": "固化炉", "pretreatment": "预处理线", "calcination": "焙烧炉",
    "digestion": "溶出装置", "gasification": "气化炉", "synthesis": "合成装置", "power_boiler": "动力锅炉",
}

SUFFIX = {
    "non_key": ["科技有限公司", "实业有限公司", "机械制造有限公司", "化工有限公司", "新材料有限公司", "食品有限公司", "建材有限公司", "热力有限公司"],
    "foundry": ["铸造有限公司", "铸业有限公司"], "brick": ["新型建材有限公司", "砖厂"],
    "industrial_coating": ["装备制造有限公司", "汽车零部件有限公司"], "packaging_printing": ["包装印刷有限公司", "彩印有限公司"],
    "ready_mix": ["商品混凝土有限公司"], "ceramics": ["陶瓷有限公司"], "refractory": ["耐火材料有限公司"],
    "lime": ["石灰有限公司", "钙业有限公司"], "rubber": ["橡胶制品有限公司"], "cement_grinding": ["水泥粉磨有限公司"],
    "carbon": ["炭素有限公司"], "cement": ["水泥有限公司"], "glass": ["玻璃有限公司"],
    "coking": ["焦化有限公司", "煤焦化有限公司"], "steel": ["钢铁有限公司", "钢铁集团有限公司"],
    "rock_wool": ["岩棉有限公司", "保温材料有限公司"], "secondary_aluminium": ["再生铝业有限公司", "铝业有限公司"],
    "alumina": ["氧化铝有限公司", "铝业有限公司"], "coal_chemical": ["煤化工有限公司", "化工有限公司"],
}

BRANDS1 = list("华晋鑫盛宏泰恒瑞丰源隆兴达昌永安金银东西南北长新汇通富康宝德利嘉祥瑞凯旺顺益荣福汾太阳龙凤")
BRANDS2 = list("鑫盛宏泰恒瑞丰源隆兴达昌永安金银广海中天阳光明远顺和美成辉峰信诚德正宇锦华星辰")
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海波宁鹏飞")
COUNTY_NAMES = ["城区", "郊区", "东山县", "西河县", "南岭县", "北原县", "新城区", "河口县", "平川县", "青峰县", "古城县", "石岭县"]

# grade distributions per grading scheme (value, probability)
GRADE_MIX = {
    "ABCD": (["A+", "A", "B", "B-", "C", "D", "一厂一策"], [0.002, 0.018, 0.12, 0.08, 0.58, 0.10, 0.10]),
    "leader": (["引领性", "非引领性", "一厂一策"], [0.08, 0.88, 0.04]),
    "firm_specific": (["一厂一策"], [1.0]),
}
ESSENTIAL_MIX = (["无", "民生保障", "战略性新兴", "军工/出口", "安全生产不可中断"], [0.96, 0.021, 0.004, 0.013, 0.002])
INDUSTRIAL_FRACTION = np.array([0.6, 0.4, 0.45, 0.5])  # SO2, NOx, PM, VOCs
SPARED_GRADES = ("A+", "A", "引领性")


def _gb11714_check(body: np.ndarray) -> np.ndarray:
    """GB 11714 organisation-code check digits for an (n, 8) digit array, as chars."""
    w = np.array([3, 7, 9, 10, 5, 8, 4, 2])
    c = 11 - (body * w).sum(axis=1) % 11
    return np.where(c == 10, "X", np.where(c == 11, "0", c.astype(str)))


def _usccs(rng: np.random.Generator, division: np.ndarray) -> list[str]:
    n = len(division)
    ids = rng.choice(10**8, size=n, replace=False)
    body = (ids[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    org = ["".join(map(str, b)) + c for b, c in zip(body.tolist(), _gb11714_check(body))]
    first17 = [f"91{d:06d}{o}" for d, o in zip(division.tolist(), org)]
    vals = np.array([[CHARSET.index(ch) for ch in s] for s in first17])
    check = (31 - (vals * np.array(WEIGHTS)).sum(axis=1) % 31) % 31
    return [s + CHARSET[c] for s, c in zip(first17, check.tolist())]


def _choice(rng, options, probs, n) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=np.asarray(probs) / sum(probs))]


def generate_registry(
    n_enterprises: int,
    seed: int,
    *,
    city: str | None = None,
    counties: int | None = None,
    effective_date: date = date(2026, 10, 1),
    region: str | None = None,
    industry_weights: dict[str, float] | None = None,
) -> RegistryTables:
    """A synthetic list of ``n_enterprises`` firms (same seed, same list).

    ``region``: one of :data:`REGIONS` — the seed city's rotation industries join the
    mix and the city takes its name (e.g. ``shanxi``: 晋中市 with alumina and coal
    chemicals); ``city`` still overrides the name. ``industry_weights``: industry code ->
    factor on its share of enterprises (a city's own mix, see :func:`generate_region`);
    without it the draws are the demo city's."""
    if n_enterprises < 1:
        raise ValueError("n_enterprises must be ≥ 1")
    if region is not None and region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; known: {', '.join(REGIONS)}")
    profile = REGIONS.get(region or "", {})
    industries = {**INDUSTRIES, **profile.get("industries", {})}
    if industry_weights:
        unknown = sorted(set(industry_weights) - set(industries))
        if unknown:
            raise ValueError(f"unknown industries {', '.join(unknown)}")
        industries = {c: (share * industry_weights.get(c, 1.0), *rest) for c, (share, *rest) in industries.items()}
    city = city or profile.get("city", "演示市")
    rng = np.random.default_rng(seed)
    n = n_enterprises
    k = counties or int(min(len(COUNTY_NAMES), max(3, 4 + round(np.log10(n)))))
    county_names = COUNTY_NAMES[:k]

    # ---- enterprises
    ind_codes = list(industries)
    ind_share = np.array([industries[c][0] for c in ind_codes])
    # each county has its own industrial mix (Dirichlet around the city mix)
    county_mix = rng.dirichlet(ind_share * 40, size=k)
    county_idx = rng.choice(k, size=n, p=rng.dirichlet(np.full(k, 4.0)))
    cum = county_mix.cumsum(axis=1)
    u = rng.random(n)
    ind_idx = np.minimum((u[:, None] > cum[county_idx]).sum(axis=1), len(ind_codes) - 1)
    industry = np.asarray(ind_codes, dtype=object)[ind_idx]

    grade = np.empty(n, dtype=object)
    for scheme, (values, probs) in GRADE_MIX.items():
        mask = np.array([industries[c][2] == scheme for c in ind_codes])[ind_idx]
        grade[mask] = _choice(rng, values, probs, int(mask.sum()))
    essential = _choice(rng, *ESSENTIAL_MIX, n)
    # 安全生产不可中断 only where a process cannot stop (coke ovens, glass furnaces)
    uninterruptible_ind = np.isin(industry, ["coking", "glass"])
    essential[(essential == "安全生产不可中断") & ~uninterruptible_ind] = "无"
    essential[uninterruptible_ind & (rng.random(n) < 0.15)] = "安全生产不可中断"
    approved = np.where(np.isin(essential, ["民生保障", "军工/出口"]), np.round(rng.uniform(0.3, 0.9, n), 2), np.nan)
    size = np.exp(rng.normal(0.0, 0.9, n)) * np.where(industry == "non_key", 0.6, 1.0)

    # ---- lines
    n_lines = 1 + rng.poisson(np.array([industries[c][1] for c in ind_codes])[ind_idx])
    ent_of_line = np.repeat(np.arange(n), n_lines)
    m = len(ent_of_line)
    line_no = np.arange(m) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    proc_table = {ind: [p for p in PROCESSES if p[0] == ind] for ind in ind_codes}
    proc_row = np.empty(m, dtype=np.int64)
    line_ind = ind_idx[ent_of_line]
    for i, ind in enumerate(ind_codes):
        mask = line_ind == i
        rows = [PROCESSES.index(p) for p in proc_table[ind]]
        w = np.array([p[2] for p in proc_table[ind]])
        proc_row[mask] = np.asarray(rows)[rng.choice(len(rows), size=int(mask.sum()), p=w / w.sum())]
    P = PROCESSES
    median_cap = np.array([p[4] for p in P])[proc_row]
    value_med = np.array([p[5] for p in P])[proc_row]
    emis_med = np.array([p[6] for p in P], dtype=float)[proc_row]
    interruptible = np.array([p[7] for p in P])[proc_row]
    ml_lo, ml_hi = np.array([p[8] for p in P]).T
    lt_lo, lt_hi = np.array([p[9] for p in P]).T
    line_size = size[ent_of_line] * np.exp(rng.normal(0.0, 0.35, m))
    cap = median_cap * line_size
    cap_eia = np.maximum(np.round(cap * rng.uniform(1.0, 1.3, m), 1), 0.1)
    cap_permit = np.maximum(np.round(cap * rng.uniform(0.95, 1.25, m), 1), 0.1)
    cap_actual = np.maximum(np.round(cap * rng.uniform(0.55, 1.0, m), 1), 0.1)
    basis = np.minimum(np.minimum(cap_eia, cap_permit), cap_actual)
    scale = basis / median_cap
    output_value = np.round(value_med * scale * rng.uniform(0.8, 1.2, m), -1)
    emis = np.round(emis_med * scale[:, None] * np.exp(rng.normal(0.0, 0.3, (m, 4))), 3)
    min_load = np.round(rng.uniform(ml_lo[proc_row], ml_hi[proc_row]), 2)
    lead = np.round(rng.uniform(lt_lo[proc_row], lt_hi[proc_row]))

    ent_emis = np.zeros((n, 4))
    np.add.at(ent_emis, ent_of_line, emis)
    small = (ent_emis.sum(axis=1) < 8.0) & (industry == "non_key") & (rng.random(n) < 0.9)

    # ---- identities
    division = 140100 + 2 * (county_idx + 1) + 100 * (seed % 7)
    usccs = _usccs(rng, division)
    names: list[str] = []
    seen: set[str] = set()
    b1 = rng.integers(0, len(BRANDS1), n)
    b2 = rng.integers(0, len(BRANDS2), n)
    sfx = rng.integers(0, 8, n)
    for i in range(n):
        ind = industry[i]
        s = SUFFIX[ind][sfx[i] % len(SUFFIX[ind])]
        place = city[:-1] if county_idx[i] % 2 == 0 else county_names[county_idx[i]].rstrip("县区") or city[:-1]
        name = f"{place}{BRANDS1[b1[i]]}{BRANDS2[b2[i]]}{s}"
        j = 2
        while name in seen:
            name = f"{place}{BRANDS1[b1[i]]}{BRANDS2[b2[i]]}{s[:-4]}第{j}分公司" if s.endswith("有限公司") else f"{name}{j}"
            j += 1
        seen.add(name)
        names.append(name)
    person = [
        SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c < len(GIVEN) else "")
        for a, b, c in zip(
            rng.integers(0, len(SURNAMES), n).tolist(),
            rng.integers(0, len(GIVEN), n).tolist(),
            rng.integers(0, 2 * len(GIVEN), n).tolist(),
        )
    ]
    prefixes = np.array(["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188", "177", "199"])
    phone = [p + f"{x:08d}" for p, x in zip(prefixes[rng.integers(0, len(prefixes), n)].tolist(), rng.integers(0, 10**8, n).tolist())]
    center = np.column_stack([112.2 + rng.uniform(0, 0.8, k), 37.5 + rng.uniform(0, 0.6, k)])
    lon = np.round(center[county_idx, 0] + rng.normal(0, 0.04, n), 6)
    lat = np.round(center[county_idx, 1] + rng.normal(0, 0.03, n), 6)
    heavy = np.isin(industry, ["steel", "coking", "cement", "glass", "lime", "ready_mix", "cement_grinding"])
    trucks = np.round(np.exp(rng.normal(np.where(heavy, 3.5, 0.8), 0.9)) * np.where(small, 0.2, 1.0)).astype(int)

    # ---- areas (see module docstring for the calibration)
    spared_ent = np.isin(grade, SPARED_GRADES) | (essential != "无") | small
    line_proc = np.array([p[1] for p in P], dtype=object)[proc_row]
    protected_line = np.isin(line_proc, ["heating_boiler", "life_service"])
    max_cut = np.where(interruptible, 1.0, 1.0 - min_load)
    max_cut = np.where(spared_ent[ent_of_line] | protected_line, 0.0, max_cut)
    county_of_line = county_idx[ent_of_line]
    listed = np.zeros((k, 4))
    achievable = np.zeros((k, 4))
    np.add.at(listed, county_of_line, emis)
    np.add.at(achievable, county_of_line, emis * max_cut[:, None])
    listed = np.vstack([listed.sum(axis=0, keepdims=True), listed])
    achievable = np.vstack([achievable.sum(axis=0, keepdims=True), achievable])
    target = np.minimum(rng.uniform(0.45, 0.65, listed.shape) * listed, 0.85 * achievable)
    base = np.round(listed / INDUSTRIAL_FRACTION, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(base > 0, target / (0.30 * base), 0.0)
    share = np.clip(np.floor(share * 1e4) / 1e4, 0.0, 1.0)  # round down: stays feasible
    area_names = [city, *county_names]
    pol = ["so2", "nox", "pm", "vocs"]
    areas = {"name": area_names, "parent": [None] + [city] * k}
    for j, p in enumerate(pol):
        areas[f"base_{p}"] = base[:, j].tolist()
    for j, p in enumerate(pol):
        areas[f"listed_share_{p}"] = share[:, j].tolist()

    enterprises = {
        "seq": list(range(1, n + 1)),
        "county": [county_names[c] for c in county_idx.tolist()],
        "name": names,
        "uscc": usccs,
        "industry": industry.tolist(),
        "grade": grade.tolist(),
        "essential_category": essential.tolist(),
        "essential_approved_load": [None if np.isnan(a) else a for a in approved.tolist()],
        "small_micro": small.tolist(),
        "ultra_low_filed": (np.isin(grade, ["A+", "A", "B"]) & (rng.random(n) < 0.5)).tolist(),
        "longitude": lon.tolist(),
        "latitude": lat.tolist(),
        "contact_person": person,
        "contact_phone": phone,
        # derived from the code, no draw: the demo city's other columns are unchanged
        "contact_email": [f"hb{u[-8:].lower()}@example.com" for u in usccs],
        "heavy_trucks_per_day": trucks.tolist(),
    }
    uscc_arr = np.asarray(usccs, dtype=object)
    pname = np.array([PROCESS_NAMES[p] for p in line_proc.tolist()], dtype=object)
    lines = {
        "seq": list(range(1, m + 1)),
        "uscc": uscc_arr[ent_of_line].tolist(),
        "enterprise_name": np.asarray(names, dtype=object)[ent_of_line].tolist(),
        "line_code": [f"L{i:02d}" for i in line_no.tolist()],
        "line_name": [f"{i}#{p}" for i, p in zip(line_no.tolist(), pname.tolist())],
        "process": line_proc.tolist(),
        "capacity_unit": np.array([p[3] for p in P], dtype=object)[proc_row].tolist(),
        "capacity_eia": cap_eia.tolist(),
        "capacity_permit": cap_permit.tolist(),
        "capacity_actual": cap_actual.tolist(),
        "capacity_basis": basis.tolist(),
        "output_value_yuan": output_value.tolist(),
        "interruptible": interruptible.tolist(),
        "min_load": min_load.tolist(),
        "stop_lead_time_h": lead.tolist(),
        "so2_kg": emis[:, 0].tolist(),
        "nox_kg": emis[:, 1].tolist(),
        "pm_kg": emis[:, 2].tolist(),
        "vocs_kg": emis[:, 3].tolist(),
    }
    version = {
        "name": f"{effective_date.year}—{effective_date.year + 1}年秋冬季（演示，种子{seed}）",
        "effective_date": effective_date,
        "city": city,
        "notes": f"合成清单：{n}家企业，随机种子{seed}（emergency registry generate）",
    }
    return RegistryTables(version=version, areas=areas, enterprises=enterprises, lines=lines)


# --------------------------------------------------------------------- regions (many cities)
# The 2+26 cities of the Beijing–Tianjin–Hebei air-pollution transmission channel (京津冀大气污染
# 传输通道城市, 环大气〔2017〕110号): name, province division code, approximate centre (lon, lat),
# profile (REGIONS key or None) and the industries the city is known for (their share of firms ×3).
REGION_CITIES: list[tuple[str, int, float, float, str | None, tuple[str, ...]]] = [
    ("北京市", 11, 116.40, 39.90, None, ("packaging_printing", "industrial_coating")),
    ("天津市", 12, 117.20, 39.13, None, ("steel", "industrial_coating", "rubber")),
    ("石家庄市", 13, 114.51, 38.04, None, ("cement", "ceramics", "carbon")),
    ("唐山市", 13, 118.18, 39.63, None, ("steel", "coking", "ceramics")),
    ("廊坊市", 13, 116.68, 39.54, None, ("industrial_coating", "packaging_printing")),
    ("保定市", 13, 115.46, 38.87, None, ("rubber", "packaging_printing", "foundry")),
    ("沧州市", 13, 116.84, 38.30, None, ("foundry", "industrial_coating")),
    ("衡水市", 13, 115.67, 37.74, None, ("rubber", "industrial_coating")),
    ("邢台市", 13, 114.50, 37.07, None, ("glass", "steel", "coking")),
    ("邯郸市", 13, 114.54, 36.63, None, ("steel", "coking", "foundry")),
    ("太原市", 14, 112.55, 37.87, "shanxi", ("steel", "coking", "carbon")),
    ("阳泉市", 14, 113.58, 37.86, "shanxi", ("refractory", "coking", "lime")),
    ("长治市", 14, 113.12, 36.20, "shanxi", ("coking", "steel")),
    ("晋城市", 14, 112.85, 35.49, "shanxi", ("coking", "brick")),
    ("济南市", 37, 117.12, 36.65, None, ("steel", "industrial_coating")),
    ("淄博市", 37, 118.05, 36.81, None, ("ceramics", "refractory", "rubber")),
    ("济宁市", 37, 116.59, 35.41, None, ("coking", "brick")),
    ("德州市", 37, 116.36, 37.44, None, ("glass", "rubber")),
    ("聊城市", 37, 115.99, 36.46, None, ("foundry", "carbon")),
    ("滨州市", 37, 118.02, 37.38, None, ("brick", "lime")),
    ("菏泽市", 37, 115.48, 35.23, None, ("brick", "packaging_printing")),
    ("郑州市", 41, 113.63, 34.75, None, ("refractory", "cement", "carbon")),
    ("开封市", 41, 114.31, 34.80, None, ("brick", "foundry")),
    ("安阳市", 41, 114.39, 36.10, None, ("steel", "coking")),
    ("鹤壁市", 41, 114.30, 35.75, None, ("cement", "lime")),
    ("新乡市", 41, 113.93, 35.30, None, ("industrial_coating", "packaging_printing")),
    ("焦作市", 41, 113.24, 35.22, None, ("carbon", "ceramics", "refractory")),
    ("濮阳市", 41, 115.03, 35.76, None, ("rubber", "glass")),
]
LINES_PER_FIRM = 2.4  # the mean of generate_registry's lines per firm (1 + Poisson by industry), for sizing


def _with_division(usccs: list[str], division: np.ndarray) -> list[str]:
    """The codes with their 6-digit administrative division replaced (positions 3–8) and the
    GB 32100 check character recomputed: the organisation part is kept."""
    first17 = [f"{u[:2]}{d:06d}{u[8:17]}" for u, d in zip(usccs, division.tolist())]
    vals = np.array([[CHARSET.index(ch) for ch in s] for s in first17]).reshape(len(first17), 17)
    check = (31 - (vals * np.array(WEIGHTS)).sum(axis=1) % 31) % 31
    return [s + CHARSET[c] for s, c in zip(first17, check.tolist())]


def region_city_names(cities: int) -> list[str]:
    """The first ``cities`` of :data:`REGION_CITIES`, then 演示市29, 演示市30 …"""
    names = [c[0] for c in REGION_CITIES[:cities]]
    return names + [f"演示市{i + 1}" for i in range(len(names), cities)]


def generate_region(
    cities: int,
    *,
    lines_total: int | None = None,
    firms_per_city: int | None = None,
    seed: int = 1,
    effective_date: date = date(2026, 10, 1),
    names: list[str] | None = None,
) -> list[RegistryTables]:
    """One synthetic list per city of a region (the 2+26 cities first, see :data:`REGION_CITIES`).

    Sizes: ``firms_per_city`` each, or about ``lines_total`` production lines in all, split
    unevenly (log-normal city sizes: a region has large and small cities). Each city: its
    own seed (``seed`` × 1000 + i), name, counties (城区, 郊区, … repeat across cities, as in
    reality), industry mix (the base mix, its province's profile — Shanxi's alumina and coal
    chemicals — and its own industries tripled), coordinates around its centre, and its own
    administrative division in every USCC (province + city + county), so codes are unique
    across the region. ``names``: the cities' names (a 2+26 city takes its own profile and
    centre; another name the next free slot's). Deterministic for (cities, size, seed, names)."""
    if cities < 1:
        raise ValueError("cities must be ≥ 1")
    if names is not None and (len(names) != cities or len(set(names)) != cities):
        raise ValueError("names: one distinct name per city")
    if (lines_total is None) == (firms_per_city is None):
        raise ValueError("give exactly one of lines_total or firms_per_city")
    rng = np.random.default_rng(seed)
    weight = np.exp(rng.normal(0.0, 0.5, cities))
    if firms_per_city is not None:
        firms = np.full(cities, max(1, int(firms_per_city)))
    else:
        firms = np.maximum(1, np.round(lines_total / LINES_PER_FIRM * weight / weight.sum())).astype(int)
    out = []
    known_specs = {c[0]: c for c in REGION_CITIES}
    for i, name in enumerate(names or region_city_names(cities)):
        spec = known_specs.get(name) or (REGION_CITIES[i] if names is None and i < len(REGION_CITIES) else
                                         (name, 14, 112.6 + 0.3 * (i % 7), 37.8 - 0.3 * (i // 7), None, ()))
        _, province, lon, lat, profile, known = spec
        tables = generate_registry(int(firms[i]), seed * 1000 + i, city=name, effective_date=effective_date,
                                   region=profile, industry_weights={c: 3.0 for c in known} or None)
        ents = tables.enterprises
        counties = list(tables.areas["name"][1:])
        county_idx = np.array([counties.index(c) for c in ents["county"]], dtype=np.int64)
        division = province * 10000 + (i % 99 + 1) * 100 + 2 * (county_idx + 1)
        old = ents["uscc"]
        new = _with_division(old, division)
        renamed = dict(zip(old, new))
        ents["uscc"] = new
        ents["contact_email"] = [f"hb{u[-8:].lower()}@example.com" for u in new]
        tables.lines["uscc"] = [renamed[u] for u in tables.lines["uscc"]]
        # the generator draws coordinates around 112.6° E, 37.8° N: move them to the city
        ents["longitude"] = np.round(np.asarray(ents["longitude"]) + (lon - 112.6), 6).tolist()
        ents["latitude"] = np.round(np.asarray(ents["latitude"]) + (lat - 37.8), 6).tolist()
        tables.version["name"] = f"{name}{effective_date.year}—{effective_date.year + 1}年秋冬季（演示区域，种子{seed}）"
        tables.version["notes"] = f"合成区域清单：{name}，{int(firms[i])}家企业，区域种子{seed}（emergency joint generate）"
        out.append(tables)
    return out
