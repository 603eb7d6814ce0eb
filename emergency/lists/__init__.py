"""The list as a planner checks it before the season (清单核算): :mod:`emergency.lists.check`
(the service) and :mod:`emergency.lists.workbook` (the table to sign, as Excel)."""
