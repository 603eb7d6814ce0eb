"""The measure-selection model (措施优化) and its solvers.

- ``problem``: the frozen problem, arrays indexed by line and by (line, option);
- ``builder``: registry + policy + level -> problem (the only place that knows policy);
- ``formulation``: the exact MIP from arrays (for export and the plain baselines);
- ``lp``: the LP relaxation, solved exactly with GLOP, with its duals;
- ``mpmodel``: linear models written from arrays in OR-Tools' protobuf wire format
  (how the LP reaches GLOP without SciPy);
- ``solver``: LP relaxation + neighbourhood MIP — the engine's method;
- ``baselines``: rules only, greedy, plain CP-SAT, plain MIP;
- ``result``: typed results.
"""
