"""Policy as data (政策数据化).

The TOML files under this directory hold every number taken from a regulation,
each with its source; the pydantic models beside them validate the files once, at
load. ``POLICY_DIR`` is the packaged default; ``EMERGENCY_POLICY_DIR`` overrides it.
"""

from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent


def default_policy_dir() -> Path:
    """The policy directory in use: ``EMERGENCY_POLICY_DIR`` when set, else the packaged one."""
    from emergency.settings import get_settings

    return get_settings().policy_dir or POLICY_DIR
