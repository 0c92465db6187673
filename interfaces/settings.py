"""The one Settings object (environment variables prefixed ``ORION_``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.vies import VIES_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORION_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/orion.db"
    # Read models live in the event database unless an operator points them elsewhere.
    read_database_url: str | None = None
    redis_url: str | None = None
    admin_token: str | None = None
    # Run the projection engine inside the API process (the embedded default does).
    projections_in_process: bool | None = None
    # How long a query waits for ``min_position`` before answering from what it has.
    consistency_timeout_seconds: float = 2.0
    # Aggregates kept in memory per process (0: none). Every read still fetches the events
    # recorded since the cached version, so another process's writes are never missed; the
    # cache saves the snapshot read and the decoding of what was already seen.
    aggregate_cache_size: int = Field(default=5000, ge=0)
    # Threads an API process runs blocking work on (see interfaces/api/app.py).
    api_threads: int = Field(default=4, ge=1)
    # Database connections of a process (the README gives the total): each of its pools keeps
    # ``db_pool_size`` open and opens up to ``db_max_overflow`` more when busy. A request that
    # gets none within ``db_pool_timeout_seconds`` is answered 503 with Retry-After.
    db_pool_size: int = Field(default=2, ge=1)
    db_max_overflow: int = Field(default=3, ge=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # PostgreSQL without a transaction-pooling PgBouncer in between, for what such a pooler
    # breaks: LISTEN and session advisory locks. ORION_DATABASE_URL when not set.
    direct_database_url: str | None = None
    # ``orion worker`` lowers its CPU priority by this much (nice): on a host it shares with the
    # API and the projector, background jobs (e-mails, PDFs) yield to the requests waiting.
    worker_nice: int = Field(default=10, ge=0, le=19)
    log_level: str = "INFO"

    # Signs tokens and keys the blind indexes of e-mails and the personal-data keys. Must stay
    # the same across restarts and processes; the embedded default keeps one in ./var/secret.key.
    secret_key: SecretStr | None = None
    secret_key_file: str = "./var/secret.key"
    # Links in e-mails (invitations, password resets) point here.
    public_url: str = "http://localhost:8000"
    # Mail: SMTP in production (smtp://user:pass@host:587, smtps://… for implicit TLS); without
    # it, mails are written as .eml files to the outbox directory (or printed, with "console").
    smtp_url: str | None = None
    mail_outbox: str = "./var/outbox"
    mail_from: str = "Orion <no-reply@localhost>"
    # Sessions: short-lived access tokens, rotating refresh tokens.
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # Login throttles: attempts per client IP per 5 minutes, and per account per 15 minutes
    # (since its last successful login). Raise the first behind a NAT that many share.
    login_limit_per_ip: int = 30
    login_limit_per_account: int = 10
    # Password-reset requests per hour: per client IP, and per address (known or not), which
    # bounds the mails anyone can have sent to one person.
    reset_limit_per_ip: int = 10
    reset_limit_per_account: int = 5
    # Browsers only send Secure cookies over HTTPS; a developer on http://localhost may relax it.
    cookie_secure: bool = True
    # VIES, which checks buyers' VAT numbers for the stores that ask for it: the European
    # Commission's REST API, and how long a check may take (a checkout waits for it).
    vies_url: str = VIES_URL
    vies_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # For benchmarks only: "zero" has checkout sell without VAT (the VAT engine's baseline).
    tax_policy: Literal["engine", "zero"] = "engine"

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("ORION_DATABASE_URL must start with sqlite:/// or postgresql://")
        return url

    @field_validator("direct_database_url")
    @classmethod
    def _direct_postgres(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("ORION_DIRECT_DATABASE_URL must start with postgresql://")
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def read_url(self) -> str:
        return self.read_database_url or self.database_url

    @property
    def direct_url(self) -> str:
        return self.direct_database_url or self.database_url

    @property
    def run_projections_in_process(self) -> bool:
        if self.projections_in_process is not None:
            return self.projections_in_process
        return self.is_sqlite
