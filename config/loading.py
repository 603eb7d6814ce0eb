"""Load a TOML file into a frozen pydantic model, with precise errors.

Errors name the file and the key path (``measures.cement.clinker.B.orange.share:
Input should be less than or equal to 1``) and are raised as
:class:`emergency.errors.PolicyError` — or, for a deployment's own settings files
(scheduler, delivery), as the ``error`` class the caller names
(:class:`emergency.errors.ConfigurationError`): :func:`load_toml_model`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from emergency.errors import EmergencyError, PolicyError

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path, shown: str | None = None, error: type[EmergencyError] = PolicyError) -> dict[str, Any]:
    """The TOML document at ``path``. ``shown``: how messages name the file (a path
    relative to the policy directory: error bodies never carry server paths).

    A file must be UTF-8 (a BOM is tolerated): bytes that are not — a file saved as GBK
    by a Chinese editor — are refused with the line of the first bad byte, never
    guessed at, because a wrongly decoded name would silently match nothing."""
    name = shown or str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: file not found (文件不存在)") from None
    except OSError as exc:
        raise error(f"{name}: cannot be read (无法读取): {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{name}: 第 {line} 行不是 UTF-8 编码（字节 0x{data[exc.start]:02x}，可能是 GBK 保存的）；"
            f"请用 UTF-8 重新保存该文件 (line {line}: not UTF-8 — save the file as UTF-8)"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML (TOML 语法错误): {exc}") from None


def format_validation_error(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: {exc.error_count()} invalid value(s)"]
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "<root>"
        lines.append(f"  {source} -> {loc}: {err['msg']}")
    return "\n".join(lines)


def validate_data(model: type[M], data: Any, source: str, error: type[EmergencyError] = PolicyError) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(format_validation_error(source, exc)) from None


def load_toml_model(model: type[M], path: Path, section: str, error: type[EmergencyError] = PolicyError) -> M:
    """``model`` from the TOML file ``path``: its ``[section]`` table if it has one, else
    the whole document (so a settings file may hold one section or several)."""
    data = read_toml(path, error=error)
    return validate_data(model, data.get(section, data), f"{path} [{section}]", error)
