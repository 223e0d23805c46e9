"""Settings from the environment (prefix ``CSMM_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.database import default_database_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSMM_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    questionnaire: str | None = None  # path to another questionnaire file
    # For new teams; unset means the questionnaire file's default (3).
    anonymity_threshold: int | None = Field(default=None, ge=1, le=50)
