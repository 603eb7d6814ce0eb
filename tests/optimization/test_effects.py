"""The one implementation of measure effects (config.measures.output_cuts), against hand values
(DOMAIN §5, §9): a stop on an uninterruptible line is a slow-down to its minimum load, a cut
is capped there too, a coking-time extension t → t' cuts 1 − t/t', a share of lines stops the
largest emitters of the firm's process until the share of capacity is reached."""

from __future__ import annotations

import numpy as np
import pytest

from config.measures import Action, LineFacts, Measure, MeasureArrays, emission_cuts, output_cuts
from emergency.vocabulary import Pollutant


def facts(can_stop, min_load, enterprise=None, process=None, capacity=None, emission=None) -> LineFacts:
    n = len(can_stop)
    return LineFacts(np.array(can_stop, bool), np.array(min_load, float),
                     np.array(enterprise if enterprise is not None else range(n)),
                     np.array(process if process is not None else ["p"] * n, dtype=object),
                     np.array(capacity if capacity is not None else [1.0] * n, float),
                     np.array(emission if emission is not None else [1.0] * n, float))


def test_each_action_on_one_line():
    m = [Measure(action="stop"), Measure(action="stop"), Measure(action="cut_output", share=0.3),
         Measure(action="cut_output", share=0.3), Measure(action="slow_down"), Measure(action="stop_keep_warm"),
         Measure(action="coking_time_extension", hours=36), Measure(action="truck_ban"), Measure(action="own_measures"),
         Measure(action="none")]
    lines = facts([True, False, True, False, True, False, False, True, True, True],
                  [0.6, 0.6, 0.8, 0.8, 0.7, 0.25, 0.7, 0.0, 0.0, 0.0])
    cut = output_cuts(MeasureArrays.of(m), lines, 20.0)
    # stop 1; stop uninterruptible 1 − 0.6; cut 0.3; cut capped at 1 − 0.8; slow down 1 − 0.7;
    # stop-keep-warm uninterruptible 1 − 0.25; coking 20 → 36 h: 1 − 20/36 (past the slow-down); no effect ×3
    assert cut == pytest.approx([1.0, 0.4, 0.3, 0.2, 0.3, 0.75, 1 - 20 / 36, 0.0, 0.0, 0.0])


def test_stop_share_of_lines_stops_the_largest_emitters_first():
    # firm 0, process kiln: capacities 50 / 30 / 20, emissions 1 / 5 / 3 → order 30, 20, 50;
    # 50 % of 100: the 30 stops (0 before it), the 20 stops (30 < 50), the 50 does not (50 ≥ 50).
    # firm 1 (its own group), one line: stops; firm 0's other process is its own group too.
    m = MeasureArrays.of([Measure(action="stop_share_of_lines", share=0.5)] * 5)
    lines = facts([True, True, False, True, True], [0.5, 0.5, 0.6, 0.5, 0.5], enterprise=[0, 0, 0, 1, 0],
                  process=["kiln", "kiln", "kiln", "kiln", "mill"], capacity=[50, 30, 20, 10, 10],
                  emission=[1, 5, 3, 1, 1])
    assert output_cuts(m, lines, 20.0) == pytest.approx([0.0, 1.0, 0.4, 1.0, 1.0])  # the uninterruptible one slows down


def test_emission_override_and_the_scalar_api_agree():
    m = Measure(action="cut_output", share=0.5, emission_cut={Pollutant.PM: 0.8})
    arrays = MeasureArrays.of([m])
    cut = output_cuts(arrays, facts([True], [0.0]), 20.0)
    assert emission_cuts(arrays, cut)[0] == pytest.approx([0.5, 0.5, 0.8, 0.5])
    out, per = m.effect(interruptible=True, min_load=0.0)
    assert out == 0.5 and per[Pollutant.PM] == 0.8 and per[Pollutant.SO2] == 0.5
    assert Measure(action="stop").effect(False, 0.6)[0] == pytest.approx(0.4)


def test_every_action_has_an_effect_rule():
    from config.measures import EFFECTS

    assert set(EFFECTS) == set(Action)
