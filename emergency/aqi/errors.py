"""The error of the AQI package (see the tree in ``emergency.errors``)."""

from __future__ import annotations

from emergency.errors import EmergencyError


class AqiInputError(EmergencyError):
    """A concentration or series that cannot be graded under HJ 633 (exit code 13)."""

    exit_code, http_status, code = 13, 400, "aqi_input"
