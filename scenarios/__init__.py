"""Planners' scenarios (情景模拟): simulate orange and red episodes before they happen.

- ``spec``: the scenario file (TOML) as a validated model;
- ``whatif``: what-ifs applied to a list and a policy (创A升B, essential status removed,
  firms added or closed, a county excluded, other ratios);
- ``simulate``: an episode played day by day through the warning lifecycle;
- ``cost_curve``: lost value as a function of the required reduction share;
- ``report``: tables, a self-contained HTML report with charts, an Excel workbook;
- ``batch``: many scenarios in parallel processes.

Example scenario files live next to this module (``*.toml``).
"""
