"""The project's one error tree.

Every error a user can cause derives from :class:`EmergencyError`. The CLI maps
them to an exit code and a message (no stack trace); the HTTP API maps them to a
status code. Programming errors are not caught and do show a trace.

    EmergencyError
    ├── ConfigurationError      settings, database URL
    ├── RegistryError           the enterprise list (应急减排清单)
    │   └── ImportRejected      an import with rejected cells (nothing written)
    ├── PolicyError             a policy file in config/ is invalid
    ├── ForecastError           a forecast could not be fetched or parsed
    ├── WarningError            warning evaluation / lifecycle
    ├── OptimizationError       the measure-selection model
    ├── NotFound                a named record does not exist
    ├── Conflict                e.g. a second active warning for an area (HTTP 409)
    ├── AuthenticationFailed    no or bad credentials (HTTP 401)
    └── PermissionDenied        the role may not do this (HTTP 403)
"""

from __future__ import annotations


class EmergencyError(Exception):
    """Base of every error a user can cause. ``exit_code`` is used by the CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigurationError(EmergencyError):
    exit_code = 2


class RegistryError(EmergencyError):
    exit_code = 3


class ImportRejected(RegistryError):
    """An import was refused; ``problems`` lists every rejected cell."""

    def __init__(self, message: str, problems: list) -> None:
        super().__init__(message)
        self.problems = problems


class PolicyError(EmergencyError):
    exit_code = 4


class ForecastError(EmergencyError):
    exit_code = 5


class WarningError(EmergencyError):
    exit_code = 6


class OptimizationError(EmergencyError):
    exit_code = 7


class NotFound(EmergencyError):
    exit_code = 8


class Conflict(EmergencyError):
    exit_code = 9


class AuthenticationFailed(EmergencyError):
    exit_code = 11


class PermissionDenied(EmergencyError):
    exit_code = 12
