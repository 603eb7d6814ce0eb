"""The project's one error tree, mapped once to CLI exit codes and HTTP statuses.

Every error a user can cause derives from :class:`EmergencyError`. The CLI prints the
message (no stack trace) and exits with ``exit_code``; the HTTP API answers
``http_status`` with ``{"detail": message, "code": code}`` (and the error's ``extra``
fields). Programming errors are not caught and do show a trace (the API answers a
plain 500 without details).

    error                    exit  HTTP  code
    EmergencyError             1   400   error
    ├── ConfigurationError     2   500   configuration    settings, database URL
    ├── RegistryError          3   400   registry         the enterprise list (应急减排清单)
    │   └── ImportRejected     3   422   import_rejected  an import with rejected cells (nothing written)
    ├── PolicyError            4   500   policy           a policy file in config/ is invalid
    ├── ForecastError          5   400   forecast         a forecast could not be fetched or parsed
    ├── WarningError           6   400   warning          warning evaluation / lifecycle
    ├── OptimizationError      7   400   optimization     the measure-selection model
    ├── NotFound               8   404   not_found        a named record does not exist
    ├── Conflict               9   409   conflict         a second active warning; a concurrent change
    ├── TargetsNotMet         10   412   targets_not_met  a plan short of its targets, not accepted
    ├── AuthenticationFailed  11   401   unauthenticated  no or bad credentials
    │   └── TooManyAttempts   11   429   too_many_attempts  login throttled / account locked
    ├── PermissionDenied      12   403   forbidden        the role may not do this
    ├── AqiInputError         13   400   aqi_input        (emergency.aqi.errors)
    ├── InputError            14   400   input            a bad file, argument or field (located)
    │   └── TooLarge          14   413   too_large        an upload or sheet beyond its limit
    └── RotationError         15   400   rotation         a season calendar could not be made
"""

from __future__ import annotations

from typing import Any


class EmergencyError(Exception):
    """Base of every error a user can cause."""

    exit_code = 1
    http_status = 400
    code = "error"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra  # JSON-able facts returned with the error (API body, CLI summary)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigurationError(EmergencyError):
    exit_code, http_status, code = 2, 500, "configuration"


class RegistryError(EmergencyError):
    exit_code, http_status, code = 3, 400, "registry"


class ImportRejected(RegistryError):
    """An import was refused; ``problems`` lists every rejected cell."""

    http_status, code = 422, "import_rejected"

    def __init__(self, message: str, problems: list) -> None:
        super().__init__(message)
        self.problems = problems


class PolicyError(EmergencyError):
    exit_code, http_status, code = 4, 500, "policy"


class ForecastError(EmergencyError):
    exit_code, http_status, code = 5, 400, "forecast"


class WarningError(EmergencyError):
    exit_code, http_status, code = 6, 400, "warning"


class OptimizationError(EmergencyError):
    exit_code, http_status, code = 7, 400, "optimization"


class NotFound(EmergencyError):
    exit_code, http_status, code = 8, 404, "not_found"


class Conflict(EmergencyError):
    exit_code, http_status, code = 9, 409, "conflict"


class TargetsNotMet(EmergencyError):
    """A plan short of a reduction target that nobody accepted: nothing was issued
    (``extra`` carries the plan summary with the shortfall per area and pollutant)."""

    exit_code, http_status, code = 10, 412, "targets_not_met"


class AuthenticationFailed(EmergencyError):
    exit_code, http_status, code = 11, 401, "unauthenticated"


class TooManyAttempts(AuthenticationFailed):
    http_status, code = 429, "too_many_attempts"


class PermissionDenied(EmergencyError):
    exit_code, http_status, code = 12, 403, "forbidden"


class InputError(EmergencyError):
    """A bad file, argument or field; the message names where (file, row, column)."""

    exit_code, http_status, code = 14, 400, "input"


class TooLarge(InputError):
    http_status, code = 413, "too_large"


class RotationError(EmergencyError):
    exit_code, http_status, code = 15, 400, "rotation"
