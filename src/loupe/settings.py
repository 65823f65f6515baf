"""Loupe's one settings object: `LOUPE_*` environment variables over an optional `loupe.toml`.

Every field carries a description; `docs/settings.md` lists them all and a test keeps the two in
step. Secrets are `SecretStr`, so they print as `**********`; they can also come from files in a
secrets directory (`LOUPE_SECRETS_DIR`, or systemd's `$CREDENTIALS_DIRECTORY`).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from loupe.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (pydantic-settings reads TOML with tomli there)
    import tomli as tomllib

CONFIG_FILE_ENV = "LOUPE_CONFIG"
DEFAULT_CONFIG_FILE = "loupe.toml"


class InterfaceUser(BaseModel):
    """A reader of the ClickHouse HTTP interface (a BI tool): disabled until its password is set."""

    model_config = ConfigDict(extra="forbid")

    password: SecretStr = SecretStr("")
    databases: list[str] = Field(default_factory=lambda: ["dwh"], min_length=1)

    @field_validator("databases")
    @classmethod
    def _readable(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.replace("_", "").isalnum() or name[:1].isdigit():
                raise ValueError(f"{name!r} is not a plain database name")
            if name.lower() in FORBIDDEN_READER_DATABASES:
                raise ValueError(f"readers may not be given the database {name!r}")
        return value


# `pd` holds raw personal data, `mysql` links to production; the others are the engine's own.
FORBIDDEN_READER_DATABASES = ("pd", "mysql", "system", "information_schema", "default")


class Settings(BaseSettings):
    """All of Loupe's configuration; see docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="LOUPE_", extra="forbid", validate_default=True)

    # -- warehouse -------------------------------------------------------------------------
    engine: Literal["embedded", "server"] = Field(
        "embedded",
        description="Warehouse engine: `embedded` (chDB in-process) or `server` (ClickHouse).",
    )
    data_dir: Path = Field(
        Path(".loupe/warehouse"),
        description="Embedded (chDB) warehouse directory; one process owns it at a time.",
    )
    clickhouse_host: str = Field("localhost", description="ClickHouse server host (engine=server).")
    clickhouse_port: int = Field(8123, description="ClickHouse server HTTP(S) port.")
    clickhouse_user: str = Field("default", description="ClickHouse server user.")
    clickhouse_password: SecretStr = Field(
        SecretStr(""), description="ClickHouse server password (secret)."
    )
    clickhouse_secure: bool = Field(False, description="Use HTTPS to reach the ClickHouse server.")
    clickhouse_ca_cert: Path | None = Field(
        None,
        description="CA certificate (PEM file) that signed the ClickHouse server's HTTPS "
        "certificate, for a private CA; unset: the system's CAs.",
    )
    clickhouse_database: str = Field(
        "default", description="Default database of the ClickHouse server session."
    )
    cluster: str | None = Field(
        None,
        description="ClickHouse cluster name. When set, migrations render `ON CLUSTER` DDL with "
        "`Replicated*` engines and `Distributed` tables.",
    )
    timezone: str = Field("UTC", description="Business timezone: dates of days are taken in it.")
    currency: str = Field(
        "RUB",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of the shop's money: shown on every money figure of the "
        "dashboards (web UI and Metabase cards).",
    )

    # -- production database ---------------------------------------------------------------
    production_url: SecretStr = Field(
        SecretStr("sqlite:///.loupe/shop.sqlite"),
        description="The shop's production database: `mysql://user:password@host:port/db` or "
        "`sqlite:///path` (relative to the working directory; `sqlite:////path` is absolute). "
        "Empty disables the `mysql` link schema (secret).",
    )

    # -- ingestion ---------------------------------------------------------------------------
    spool_dir: Path = Field(
        Path(".loupe/spool"),
        description="Where batches wait, fsynced, while the warehouse is unreachable.",
    )
    batch_max_records: int = Field(
        10_000, ge=1, description="BatchWriter flushes when this many records are waiting."
    )
    batch_max_delay_ms: int = Field(
        1_000, ge=1, description="BatchWriter flushes when the oldest waiting record is this old."
    )
    writer_max_pending: int = Field(
        200_000,
        ge=1,
        description="Records a BatchWriter holds in memory at most; beyond it `writer_when_full`.",
    )
    writer_when_full: Literal["block", "raise"] = Field(
        "block", description="When the writer is full: `block` the caller, or `raise` an error."
    )
    writer_retries: int = Field(
        3, ge=0, description="Insert retries (with exponential backoff) before a batch is spooled."
    )
    max_record_bytes: int = Field(
        262_144, ge=1024, description="Largest accepted API-call record, in bytes of JSON."
    )

    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        [],
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose "
        "`X-Forwarded-For` the middleware believes (`CaptureOptions.from_settings`); empty: the "
        "client IP is the socket's peer.",
    )

    # -- personal data at capture (docs/ingestion.md) -----------------------------------------
    scrub_rules: dict[str, Literal["drop", "mask", "hash", "keep"]] = Field(
        default_factory=dict,
        description="Scrubbing rules of request/response keys and query parameters: glob "
        "pattern (case-insensitive) -> `drop`, `mask`, `hash` or `keep`; checked before the "
        "default rules (docs/ingestion.md), which a `keep` lifts. JSON in the environment.",
    )
    scrub_hash_key: SecretStr = Field(
        SecretStr(""),
        description="Key of the `hash` rules and of `client_ip_mode=hash` (secret); set the same "
        "on every process that captures or receives records, so hashes join. Empty: the key in "
        "`scrub_hash_key_file`.",
    )
    scrub_hash_key_file: Path = Field(
        Path(".loupe/scrub-hash.key"),
        description="Where the hash key is kept when `scrub_hash_key` is empty: generated once "
        "(random, mode 0600) and read from then on.",
    )
    client_ip_mode: Literal["full", "truncate", "hash"] = Field(
        "truncate",
        description="What is stored of the client IP where records are received: `full`, "
        "`truncate` (IPv4 /24, IPv6 /48) or `hash` (keyed, with a salt that changes every UTC "
        "day).",
    )

    # -- collector ---------------------------------------------------------------------------
    collector_host: str = Field("127.0.0.1", description="Address the collector listens on.")
    collector_port: int = Field(8787, description="Port the collector listens on.")
    collector_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token the collector requires (secret). Empty refuses every request.",
    )
    collector_max_body_bytes: int = Field(
        16 * 1024 * 1024,
        ge=1024,
        description="Largest request body (after gzip) the collector takes.",
    )
    collector_max_concurrent_requests: int = Field(
        4,
        ge=1,
        description="Posts the collector reads, decodes and waits on at once; one more is "
        "answered 429 at once. Peak memory stays under 3 x `collector_max_body_bytes` times this "
        "above the idle process.",
    )

    # -- ClickHouse HTTP interface (docs/http-interface.md) -----------------------------------
    http_interface_host: str = Field(
        "127.0.0.1",
        description="Address the ClickHouse HTTP interface of the process owning the embedded "
        "warehouse listens on; another than loopback needs a reader's password.",
    )
    http_interface_port: int = Field(
        8123,
        ge=0,
        le=65535,
        description="Port of the ClickHouse HTTP interface (`serve`, `run`, `dashboards`, "
        "`collect` with the embedded engine); 0 turns it off.",
    )
    http_interface_users: dict[str, InterfaceUser] = Field(
        default_factory=lambda: {"reader": InterfaceUser()},
        description="Readers (BI tools) of the HTTP interface: name -> `password` (secret; "
        'empty disables the reader) and `databases` (default `["dwh"]`); JSON in the '
        "environment.",
    )

    metabase_db_host: str | None = Field(
        None,
        description="ClickHouse host as Metabase reaches it, for `loupe metabase push` "
        "(default: `http_interface_host` with the embedded engine, else `clickhouse_host`).",
    )
    metabase_db_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="ClickHouse HTTP port as Metabase reaches it (default: "
        "`http_interface_port` with the embedded engine, else `clickhouse_port`).",
    )

    # -- ETL (docs/etl.md) -------------------------------------------------------------------
    shop_api_map: Path | None = Field(
        None,
        description="The shop-API map (YAML) the ETL reads calls by, instead of the packaged "
        "`src/loupe/jobs/shop_api.yaml` (docs/etl.md); a long-running `loupe run` or "
        "`loupe serve` reads it once.",
    )
    shop_hosts: Annotated[list[str], NoDecode] = Field(
        ["shop.example"],
        description="The shop's own hosts (comma-separated; a list in `loupe.toml`): a referrer "
        "from one of them (or a subdomain) starts no new source, and a call's `referer` on them "
        "is the shop page it was made from (docs/acquisition.md). The default is the simulated "
        "shop's.",
    )
    channel_rules: Path | None = Field(
        None,
        description="The channel rules (YAML) that decide each visit's channel, instead of the "
        "packaged `src/loupe/jobs/channels.yaml` (docs/acquisition.md).",
    )
    etl_parsed_calls_days: int = Field(
        7,
        ge=5,
        description="Days of parsed calls kept in etl.visit_calls for the hourly runs, counted "
        "back from the newest built day; builds of whole days drop older ones.",
    )
    cart_abandoned_after_hours: int = Field(
        72,
        ge=1,
        description="Hours without a change after which a cart still holding lines counts as "
        "`abandoned` in dwh.carts (as of the end of the newest built day); before, `open`.",
    )

    # -- scheduler (`loupe run`, `loupe serve`, `loupe status`; docs/operations.md) -----------
    scheduler_interval_seconds: int = Field(
        3600, ge=1, description="Seconds between the slots of the hourly jobs (`loupe run`)."
    )
    scheduler_nightly_at: str = Field(
        "02:30",
        pattern=r"^([01]?\d|2[0-3]):[0-5]\d$",
        description="Business time (HH:MM) of the nightly jobs (re-run of yesterday).",
    )
    scheduler_check_seconds: float = Field(
        30.0, gt=0, description="Longest sleep of the scheduler between two passes."
    )
    scheduler_max_catchup_slots: int = Field(
        168, ge=1, description="Most missed slots a job catches up after downtime (oldest skipped)."
    )
    scheduler_lookback_hours: float = Field(
        6.0, gt=0, description="How late a call may be and still be counted by the hourly run."
    )
    scheduler_nightly_max_days: int = Field(
        31, ge=1, description="How far back the nightly run rebuilds days that got late calls."
    )
    scheduler_retries: int = Field(3, ge=0, description="Retries of a failed scheduled job run.")
    scheduler_backoff_seconds: float = Field(
        30.0, ge=0, description="Delay before the first retry; it doubles with each retry."
    )
    scheduler_backoff_max_seconds: float = Field(
        900.0, ge=0, description="Longest retry delay, and the wait after the last retry."
    )
    scheduler_lease_seconds: float = Field(
        900.0, gt=0, description="Time to live of a job lease (renewed every third of it)."
    )
    scheduler_lease_settle_seconds: float = Field(
        0.5, ge=0, description="Wait between taking a job lease and reading it back."
    )
    scheduler_metrics_host: str = Field(
        "127.0.0.1", description="Address of `loupe run`'s Prometheus metrics endpoint."
    )
    scheduler_metrics_port: int = Field(
        9788, ge=0, description="Port of `loupe run`'s metrics endpoint; 0 turns it off."
    )
    scheduler_max_lag_minutes: float = Field(
        120.0, gt=0, description="`loupe status` reports stale (exit 1) beyond this lag."
    )

    # -- retention (`loupe retention`, the nightly `retention` job; docs/operations.md) --------
    keep_raw_days: int = Field(
        400,
        ge=0,
        description="Days of raw calls kept in `pd` (api_calls, api_calls_rejected), counted "
        "back from today (business timezone); older days are dropped and can no longer be "
        "rebuilt. At least `scheduler_nightly_max_days`; 0 keeps them for ever.",
    )
    keep_dwh_days: int = Field(
        800,
        ge=0,
        description="Days kept in every dated `dwh` table (not the dimensions `dwh.items`, "
        "`dwh.user_agents`), counted back from today; 0 keeps them for ever.",
    )
    keep_history_days: int = Field(
        800,
        ge=0,
        description="Days of superseded versions kept in `history`: a version is deleted once "
        "its validity ended more than this many days ago; the latest version of every key "
        "stays. 0 keeps them for ever.",
    )

    @field_validator("keep_raw_days")
    @classmethod
    def _rebuildable(cls, value: int, info: ValidationInfo) -> int:
        # The nightly run rebuilds days from their raw calls: it must not reach past them.
        reach = info.data.get("scheduler_nightly_max_days")
        if value and reach and value < reach:
            raise ValueError(
                f"{value} is less than scheduler_nightly_max_days ({reach}), the days the "
                "nightly run rebuilds from raw calls"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("trusted_proxies", "shop_hosts", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        # The environment gives one string: `10.0.0.1, 10.1.0.0/16` (loupe.toml gives a list).
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("shop_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [host.strip().lower().removeprefix("www.") for host in value]
        for host in hosts:
            if not host or "/" in host or " " in host:
                raise ValueError(f"{host!r} is not a host name")
        return hosts

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @field_validator("scrub_rules")
    @classmethod
    def _patterns(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value:
            if not pattern.strip():
                raise ValueError("a scrub rule needs a non-empty key pattern")
        return value

    @field_validator("http_interface_users")
    @classmethod
    def _reader_names(cls, value: dict[str, InterfaceUser]) -> dict[str, InterfaceUser]:
        for name in value:
            if name in ("admin", "default") or not name.replace("_", "").isalnum():
                raise ValueError(f"{name!r} cannot name a reader (plain names, not admin)")
        return value

    @field_validator("cluster")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "").isalnum():
            raise ValueError("cluster must be a plain identifier (letters, digits, underscore)")
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then environment, then secret files, then `loupe.toml`."""
        toml_file = Path(os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))
        return (
            init_settings,
            env_settings,
            file_secret_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )


def _secrets_dir() -> str | None:
    return os.environ.get("LOUPE_SECRETS_DIR") or os.environ.get("CREDENTIALS_DIRECTORY")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one clear `ConfigError`."""
    config_file = os.environ.get(CONFIG_FILE_ENV)
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"{CONFIG_FILE_ENV}={config_file}: no such file")
    toml_file = Path(config_file or DEFAULT_CONFIG_FILE)
    in_file = _read_toml(toml_file)
    try:
        return Settings(_secrets_dir=_secrets_dir(), **overrides)
    except ValueError as exc:
        problem = first_error(exc)
        key = problem.partition(".")[0].partition(":")[0]
        from_file = key in in_file and f"LOUPE_{key.upper()}" not in os.environ
        where = f"{toml_file}: " if from_file else ""
        raise ConfigError(f"invalid settings: {where}{problem}") from exc


def _read_toml(path: Path) -> dict:
    """The settings file's top-level table ({} without a file); a syntax error names the file."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def first_error(exc: ValueError) -> str:
    """The first problem of a validation error, on one line: `where: what`."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    first = errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
    return f"{where}: {str(first.get('msg')).removeprefix('Value error, ')}"
