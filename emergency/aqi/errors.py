"""The error of the AQI package (see the tree in ``emergency.aqi``)."""

from __future__ import annotations

from emergency.errors import EmergencyError


class AqiInputError(EmergencyError):
    """A concentration or series that cannot be graded under HJ 633.

    Exit code 9 in the CLI (the codes 1–8 belong to ``emergency.errors``).
    """

    exit_code = 9
