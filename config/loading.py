"""Load a TOML policy file into a frozen pydantic model, with precise errors.

Errors name the file and the key path (``measures.cement.clinker.B.orange.share:
Input should be less than or equal to 1``) and are raised as
:class:`emergency.errors.PolicyError`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from emergency.errors import PolicyError

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None


def format_validation_error(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: {exc.error_count()} invalid value(s)"]
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "<root>"
        lines.append(f"  {source} -> {loc}: {err['msg']}")
    return "\n".join(lines)


def validate_data(model: type[M], data: Any, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(format_validation_error(source, exc)) from None


def load_toml_model(path: Path, model: type[M]) -> M:
    return validate_data(model, read_toml(path), str(path))
