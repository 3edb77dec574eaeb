"""Hub settings: one TOML file plus ``DOORSTEP_`` environment variables.

Sources, highest first: keyword overrides given to ``load_settings``, environment
variables, files in the secrets directory (``DOORSTEP_SECRETS_DIR``), the TOML file
(``DOORSTEP_CONFIG`` or an explicit path), then the defaults below.

One env-var rule everywhere: ``DOORSTEP_`` + the TOML path joined with ``__``,
upper-cased (``[schools.harrogate.adapters.wonde] token`` is
``DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN``). A secrets-directory file
carries the same name.

In the TOML file any value may be a reference instead of a literal:
``{ env = "NAME" }`` or ``{ file = "/run/secrets/name" }``, resolved at load. A
secret written literally in the file is refused unless ``dev_mode`` is on.

Every problem is a ``ConfigError`` of one line: the key path, its env var and what is
wrong, never the value.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NestedSecretsSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from hub.errors import ConfigError
from hub.followup.settings import FollowUpSettings, SchoolFollowUpSettings
from hub.models.base import Slug

ENV_PREFIX = "DOORSTEP_"
CONFIG_ENV = "DOORSTEP_CONFIG"
SECRETS_DIR_ENV = "DOORSTEP_SECRETS_DIR"
DEFAULT_DATA_DIR = Path("./doorstep-data")
DEFAULT_DATABASE_URL = "sqlite:///./doorstep-data/doorstep.db"

AdapterId = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)]
LogLevel = Literal["debug", "info", "warning", "error", "critical"]
M = TypeVar("M", bound=BaseModel)
KeyPath = tuple[str, ...]


def env_var_for(path: Sequence[str]) -> str:
    """The environment variable that sets the TOML key at ``path``."""
    return ENV_PREFIX + "__".join(part.upper() for part in path)


def key_of(path: Sequence[str | int]) -> str:
    """A TOML key path as people write it: ``schools.harrogate.adapters.wonde.token``."""
    return ".".join(str(part) for part in path) or "(top level)"


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return frozenset(item.strip() for item in value.split(",") if item.strip())
    return value


PluginNames = Annotated[frozenset[AdapterId], NoDecode]


class SchoolSettings(BaseModel):
    """One school the hub serves: ``[schools.<school>]``."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: str = Field(min_length=1, description="The school's name, as staff know it.")
    policy_pack: str = Field(
        min_length=1,
        description="A bundled pack id (e.g. 'harrogate') or the path of a pack TOML file.",
        examples=["harrogate"],
    )
    timezone: str = Field(
        default="Europe/London",
        description="IANA time zone used to show times to staff.",
        examples=["Europe/Dublin"],
    )
    adapters: dict[AdapterId, dict[str, Any]] = Field(
        default_factory=dict,
        repr=False,
        description=(
            "Adapters this school enables, each with its settings "
            "(overlaid on the global [adapters.<id>] table)."
        ),
    )
    followup: SchoolFollowUpSettings = Field(
        default_factory=SchoolFollowUpSettings,
        description="Attendance follow-up for this school (hub.followup.settings).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known IANA time zone") from None
        return value


def _lower_domains(value: object) -> object:
    split = _comma_list(value)
    if isinstance(split, (set, frozenset, list, tuple)):
        return frozenset(str(item).strip().lower().lstrip("@") for item in split)
    return split


def https_or_localhost(url: str) -> bool:
    """Whether ``url`` is https, or http to this machine (a provider in tests or a demo;
    ``load_settings`` refuses an http issuer unless ``dev_mode`` is on)."""
    parts = urlsplit(url)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    return bool(parts.hostname) and (parts.scheme == "https" or (parts.scheme == "http" and local))


class OidcSettings(BaseModel):
    """Sign-in with Microsoft 365 or Google Workspace for the web UI: ``[oidc]``.

    Off until ``issuer`` is set; then ``client_id``, ``client_secret`` and
    ``allowed_domains`` are needed too (``missing()`` names what is not set, and the web
    UI refuses to offer the button until nothing is). See docs/configuration.md.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    issuer: str | None = Field(
        default=None,
        description=(
            "The provider's issuer URL; its discovery document is read from "
            "<issuer>/.well-known/openid-configuration. Setting it turns OIDC sign-in on."
        ),
        examples=["https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"],
    )
    provider_name: str = Field(
        default="Microsoft",
        min_length=1,
        max_length=40,
        description="Shown on the sign-in button: 'Sign in with <provider_name>'.",
        examples=["Google"],
    )
    client_id: str | None = Field(
        default=None,
        description="The client (application) id the provider gave the hub.",
        examples=["doorstep-web"],
    )
    client_secret: SecretStr | None = Field(
        default=None, description="The client secret the provider gave the hub."
    )
    allowed_domains: Annotated[frozenset[str], NoDecode] = Field(
        default_factory=frozenset,
        description=(
            "E-mail domains whose verified addresses may sign in (comma list); "
            "any other is refused."
        ),
        examples=["harrogatehigh.example.org"],
    )
    allowed_tenants: Annotated[frozenset[str], NoDecode] = Field(
        default_factory=frozenset,
        description=(
            "Microsoft tenant ids that may sign in (comma list); needed when the "
            "issuer is a multi-tenant one (organizations, common)."
        ),
        examples=["9188040d-6c67-4c5b-b112-36a304b66dad"],
    )
    redirect_url: str | None = Field(
        default=None,
        description=(
            "The callback URL registered with the provider; unset, it is this hub's "
            "own /web/sign-in/oidc/callback as the browser reached it."
        ),
        examples=["https://doorstep.example.org/web/sign-in/oidc/callback"],
    )

    @field_validator("allowed_domains", "allowed_tenants", mode="before")
    @classmethod
    def _split_lower(cls, value: object) -> object:
        return _lower_domains(value)

    @field_validator("issuer", "redirect_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError("not a URL without query or fragment")
        if not https_or_localhost(value):
            raise ValueError("must be an https URL (http only for localhost)")
        return value

    @property
    def enabled(self) -> bool:
        """Whether OIDC sign-in is switched on (an issuer is set)."""
        return self.issuer is not None

    def missing(self) -> list[str]:
        """The keys still needed once ``issuer`` is set (empty when complete or off)."""
        if not self.enabled:
            return []
        needed = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "allowed_domains": self.allowed_domains,
        }
        return [f"oidc.{key}" for key, value in needed.items() if not value]


@dataclass
class _Loading:
    """What one ``load_settings`` call reads from its file, shared with the TOML source."""

    path: Path | None
    literals: set[KeyPath] = field(default_factory=set)


_LOADING: ContextVar[_Loading | None] = ContextVar("doorstep_settings_loading", default=None)


class HubSettings(BaseSettings):
    """Every core setting of the hub. Build it with ``load_settings``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        validate_default=True,
    )

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Where the hub keeps its files (the SQLite database by default).",
        examples=["/var/lib/doorstep"],
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        repr=False,
        description=(
            "SQLAlchemy URL of the store. Default: a SQLite file in data_dir. "
            "Production: postgresql+psycopg://user@host/doorstep."
        ),
        examples=["postgresql+psycopg://doorstep@db.internal/doorstep"],
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="Log lines as JSON or for a person; auto: console on a terminal, else JSON.",
        examples=["json"],
    )
    log_level: LogLevel = Field(default="info", description="The lowest level written.")
    dev_mode: bool = Field(
        default=False,
        description="Developer conveniences; allows literal secrets in the config file.",
    )
    load_plugins: PluginNames | None = Field(
        default=None,
        description="Only these plugins and adapters load (comma list); unset loads all.",
        examples=["ladder,risk_rules,wonde"],
    )
    disable_plugins: PluginNames = Field(
        default_factory=frozenset,
        description="Plugins and adapters that never load (comma list).",
        examples=["audit,ladder"],
    )
    trace_hooks: bool = Field(
        default=False,
        description="Log every hook implementation call with its timing (names only).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Signs web session cookies and form tokens. Set it (at least 32 random "
            "characters) when the hub restarts or runs as several processes; without it "
            "each process makes its own and sign-ins end on restart."
        ),
    )
    sync_hold_share: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description=(
            "A roll sync that would remove or rewrite more than this share of a school's "
            "pupils stops and asks for --confirm."
        ),
        examples=[0.1],
    )
    serve_host: str = Field(
        default="127.0.0.1",
        description="Where `doorstep serve` listens for the API and web UI (an address).",
        examples=["10.0.0.5"],
    )
    serve_port: int = Field(
        default=8080,
        ge=0,
        le=65535,
        description="The port `doorstep serve` listens on for the API and web UI.",
        examples=[8080],
    )
    oidc: OidcSettings = Field(
        default_factory=OidcSettings,
        description="Sign-in with Microsoft 365 or Google Workspace (off unless issuer is set).",
    )
    followup: FollowUpSettings = Field(
        default_factory=FollowUpSettings,
        description="Attendance follow-up: files, the daily run, thresholds.",
    )
    schools: dict[Slug, SchoolSettings] = Field(
        default_factory=dict, description="The schools this hub serves, by school id."
    )
    adapters: dict[AdapterId, dict[str, Any]] = Field(
        default_factory=dict,
        repr=False,
        description="Default settings per adapter, shared by every school that enables it.",
    )

    _config_file: Path | None = PrivateAttr(default=None)
    _file_literals: frozenset[KeyPath] = PrivateAttr(default=frozenset())

    @field_validator("load_plugins", "disable_plugins", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _database_in_data_dir(cls, data: Any) -> Any:
        if isinstance(data, dict) and "data_dir" in data and "database_url" not in data:
            data = {**data, "database_url": f"sqlite:///{Path(data['data_dir']) / 'doorstep.db'}"}
        return data

    @property
    def config_file(self) -> Path | None:
        """The TOML file these settings were read from, if any."""
        return self._config_file

    def is_literal_in_file(self, path: Sequence[str]) -> bool:
        """Whether the config file held a literal (not a reference) at ``path``."""
        return tuple(path) in self._file_literals

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Overrides, then env, then the secrets directory, then the TOML file."""
        loading = _LOADING.get()
        secrets = NestedSecretsSettingsSource(
            file_secret_settings, secrets_nested_delimiter="__", secrets_dir_missing="ok"
        )
        toml = _ResolvingTomlSource(settings_cls, loading.path if loading else None)
        return (init_settings, env_settings, secrets, toml)


class _ResolvingTomlSource(TomlConfigSettingsSource):
    """The TOML file source, resolving ``{env=...}``/``{file=...}`` references."""

    def _read_file(self, file_path: Path | Any) -> dict[str, Any]:
        try:
            data = tomllib.loads(Path(file_path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{file_path}: cannot be read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{file_path}: is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file_path}: is not valid TOML ({exc})") from None
        loading = _LOADING.get()
        literals = loading.literals if loading is not None else set()
        return {key: _resolve(value, (key,), literals) for key, value in data.items()}


def _resolve(value: Any, path: KeyPath, literals: set[KeyPath]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and set(value) <= {"env", "file"}:
            return _dereference(value, path)
        return {key: _resolve(item, (*path, key), literals) for key, item in value.items()}
    if isinstance(value, list):
        literals.add(path)
        return [_resolve(item, path, set()) for item in value]
    literals.add(path)
    return value


def _dereference(reference: dict[str, Any], path: KeyPath) -> str:
    ((kind, target),) = reference.items()
    where = f"{key_of(path)} ({env_var_for(path)})"
    if not isinstance(target, str) or not target:
        raise ConfigError(f"{where}: a {{ {kind} = ... }} reference needs a non-empty name")
    if kind == "env":
        if target not in os.environ:
            raise ConfigError(f"{where}: refers to env var {target}, which is not set")
        return os.environ[target]
    try:
        return Path(target).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{where}: secret file {target} cannot be read ({reason})") from None


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> HubSettings:
    """Read the hub settings; ``config_file`` defaults to ``$DOORSTEP_CONFIG``.

    ``overrides`` win over every other source (tests, CLI options). Raises
    ``ConfigError`` (one line, never a value) when the settings cannot work.
    """
    path = _config_path(config_file)
    secrets_dir = os.environ.get(SECRETS_DIR_ENV) or None
    if secrets_dir is not None and not Path(secrets_dir).is_dir():
        raise ConfigError(f"{SECRETS_DIR_ENV}: {secrets_dir} is not a directory")
    loading = _Loading(path)
    token = _LOADING.set(loading)
    try:
        settings = HubSettings(_secrets_dir=secrets_dir, **overrides)
    except ValidationError as exc:
        raise _config_error(exc, ()) from None
    except SettingsError as exc:
        raise ConfigError(_settings_error_line(exc)) from None
    finally:
        _LOADING.reset(token)
    settings._config_file = path
    settings._file_literals = frozenset(loading.literals)
    _refuse_literal_database_password(settings)
    if not settings.dev_mode:
        _refuse_literal_secrets(settings, OidcSettings, [("oidc",)])
        _refuse_http_issuer(settings.oidc)
    return settings


def _refuse_http_issuer(oidc: OidcSettings) -> None:
    """Outside ``dev_mode`` the issuer must be https: plain http (to this machine only,
    ``https_or_localhost``) is for a provider in tests or a demo."""
    if oidc.issuer is not None and urlsplit(oidc.issuer).scheme != "https":
        raise ConfigError(
            f"oidc.issuer ({env_var_for(['oidc', 'issuer'])}): must be an https URL "
            "(http to localhost only with dev_mode)"
        )


def _config_path(config_file: Path | str | None) -> Path | None:
    if config_file is None:
        from_env = os.environ.get(CONFIG_ENV)
        if not from_env:
            return None
        config_file, source = from_env, CONFIG_ENV
    else:
        source = "config file"
    path = Path(config_file)
    if not path.is_file():
        raise ConfigError(f"{source}: {path} does not exist or is not a file")
    return path


def _refuse_literal_database_password(settings: HubSettings) -> None:
    if settings.dev_mode or not settings.is_literal_in_file(("database_url",)):
        return
    try:
        password = urlsplit(settings.database_url).password
    except ValueError:
        password = None
    if password:
        raise ConfigError(
            f"database_url ({env_var_for(['database_url'])}): holds a password written in the "
            'config file; use { env = "NAME" } or { file = "/path" }, or the env var'
        )


def adapter_settings(
    hub_settings: HubSettings, school_id: str, adapter_id: str, model: type[M]
) -> M:
    """Validate one adapter's settings for one school.

    The school's ``[schools.<school>.adapters.<id>]`` table is laid over the global
    ``[adapters.<id>]`` table, then validated with the adapter's ``model``. Errors
    name the key path and never the value.
    """
    global_path: KeyPath = ("adapters", adapter_id)
    school_path: KeyPath = ("schools", school_id, "adapters", adapter_id)
    school = hub_settings.schools.get(school_id)
    if school is None:
        raise ConfigError(f"schools.{school_id}: no such school in the settings")
    school_table = school.adapters.get(adapter_id, {})
    merged = _deep_merge(hub_settings.adapters.get(adapter_id, {}), school_table)
    if not hub_settings.dev_mode:
        _refuse_literal_secrets(hub_settings, model, (global_path, school_path))
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        top = first["loc"][0] if first["loc"] else None
        base = school_path if top in school_table or first["type"] == "missing" else global_path
        raise _config_error(exc, base) from None


def enabled_adapters(hub_settings: HubSettings, school_id: str) -> list[str]:
    """The adapters a school enables: the ids of its ``[schools.<school>.adapters.*]``."""
    school = hub_settings.schools.get(school_id)
    return sorted(school.adapters) if school is not None else []


def secret_fields(model: type[BaseModel], prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """The key paths of every ``SecretStr`` field of ``model``, nested models included."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if _is_secret(annotation):
            yield (*prefix, name)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from secret_fields(annotation, (*prefix, name))


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return SecretStr in getattr(annotation, "__args__", ())


def _refuse_literal_secrets(
    hub_settings: HubSettings, model: type[BaseModel], bases: Sequence[KeyPath]
) -> None:
    for secret in secret_fields(model):
        for base in bases:
            path = (*base, *secret)
            if hub_settings.is_literal_in_file(path):
                raise ConfigError(
                    f"{key_of(path)} ({env_var_for(path)}): a secret written in the config "
                    'file; use { env = "NAME" } or { file = "/path" }, or the env var '
                    "(literal secrets are allowed only in dev_mode)"
                )


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _config_error(exc: ValidationError, base: KeyPath) -> ConfigError:
    first = exc.errors(include_input=False)[0]
    path = (*base, *(str(part) for part in first["loc"] if part != "[key]"))
    kind = first["type"]
    if kind == "extra_forbidden":
        problem = "unknown key"
    elif kind == "missing":
        problem = "missing"
    else:
        problem = str(first["msg"]).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ConfigError(f"{key_of(path)} ({env_var_for(path)}): {problem}{suffix}")


def _settings_error_line(exc: SettingsError) -> str:
    found = re.search(r'field "([^"]+)"', str(exc))
    name = found.group(1) if found else "settings"
    return f"{name} ({env_var_for([name])}): cannot be parsed from the environment"
