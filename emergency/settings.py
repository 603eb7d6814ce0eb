"""Runtime settings (``EMERGENCY_`` environment variables), created on demand.

Never instantiated at import time: call :func:`get_settings`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded SQLite database and outputs live by default."""
    return Path.home() / ".local" / "share" / "emergency"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMERGENCY_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Data directory.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite at <data_dir>/emergency.sqlite.",
    )
    policy_dir: Path | None = Field(
        default=None, description="Policy directory; default is the packaged config/."
    )

    max_upload_mb: float = Field(default=50.0, gt=0, description="Largest upload the API accepts (MB).")
    timezone: str = Field(default="Asia/Shanghai", description="The bureau's zone: times typed and printed (see emergency.clock).")

    # Sign-in (emergency.workflow.accounts, emergency.api.routes.auth)
    login_max_failures: int = Field(default=5, ge=1, description="Consecutive failed logins that lock an account.")
    login_lock_minutes: float = Field(default=15.0, gt=0, description="How long a locked account stays locked (minutes).")
    login_client_max_failures: int = Field(
        default=20, ge=1, description="Failed logins one client address may make within the window before it is refused (API)."
    )
    login_client_window_minutes: float = Field(default=5.0, gt=0, description="The per-client sliding window (minutes).")
    token_hours: float = Field(default=12.0, gt=0, description="Lifetime of an API token (hours).")
    token_max_hours: float = Field(default=24.0 * 30, gt=0, description="Longest lifetime a token may be issued for (hours).")
    map_tile_url: str | None = Field(
        default=None, description="A tile service for the console's map, e.g. the bureau's own 天地图 "
        "(https://host/path/{z}/{x}/{y}.png); without it the map has a plain background with county labels.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'emergency.sqlite'}"


def get_settings(**overrides) -> Settings:
    return Settings(**overrides)
