"""How certify reaches the system under test. One entry per target type."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certify.spec.model import Spec, TargetSpec
from certify.targets.gcp import GcpConfig
from certify.targets.gcp import open_target as _open_gcp
from certify.targets.http import HttpConfig
from certify.targets.logs import LogsConfig
from certify.targets.logs import open_target as _open_logs
from certify.targets.postgres import PostgresConfig
from certify.targets.repo import RepoConfig, RepoTarget


@dataclass(frozen=True)
class TargetType:
    name: str
    config: type
    single: bool  # `repo: {...}` rather than `postgres: {name: {...}}`
    open: Callable[[TargetSpec], Any]  # -> a live target object with close() and facts()
    # Secret values knowable from the config before anything runs (DSN passwords...).
    secrets: Callable[[Any], list[str]] = lambda config: []


def _open_repo(spec: TargetSpec) -> RepoTarget:
    cfg: RepoConfig = spec.config
    return RepoTarget((spec.base_dir / cfg.path).resolve())


def _open_http(spec: TargetSpec) -> Any:
    from certify.targets.http import HttpTarget

    return HttpTarget(spec)


def _http_secrets(config: Any) -> list[str]:
    from certify.targets.http import config_secrets

    return config_secrets(config)


def _open_postgres(spec: TargetSpec) -> Any:
    from certify.targets.postgres import PostgresTarget  # psycopg loads only when used

    return PostgresTarget(spec)


def _postgres_secrets(config: Any) -> list[str]:
    from certify.targets.postgres import config_secrets

    return config_secrets(config)


TARGET_TYPES: dict[str, TargetType] = {
    "repo": TargetType("repo", RepoConfig, True, _open_repo),
    "postgres": TargetType("postgres", PostgresConfig, False, _open_postgres, _postgres_secrets),
    "http": TargetType("http", HttpConfig, False, _open_http, _http_secrets),
    "logs": TargetType("logs", LogsConfig, False, _open_logs),
    "gcp": TargetType("gcp", GcpConfig, False, _open_gcp),
}


def secret_values(spec: Spec) -> list[tuple[str, str]]:
    """(name, value) of every secret value the targets of a spec carry in their config: what each
    target type knows (a parsed DSN's password, credential headers), and for every DSN field
    (`dsn`, `*_dsn`), parsed or not, the password found without parsing it and the whole value of
    every variable the field was made from."""
    from certify.redact import dsn_passwords

    out: list[tuple[str, str]] = []
    for t in spec.targets.values():
        out += [("DSN_PASSWORD", v) for v in TARGET_TYPES[t.type].secrets(t.config)]
        for path, dsn in _dsn_fields(t.config):
            out += [("DSN_PASSWORD", v) for v in dsn_passwords(dsn)]
            # a port or a timeout (digits only) is no secret; a digits-only password is found above
            out += [(var, value) for field_path, var, value in t.substituted
                    if field_path == path and not value.isdigit()]
    return out


def _dsn_fields(config: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted path, value) of every DSN string in a target config (fields `dsn` or `*_dsn`)."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        return []
    out: list[tuple[str, str]] = []
    for f in dataclasses.fields(config):
        value, path = getattr(config, f.name), prefix + f.name
        if isinstance(value, str) and value and (f.name == "dsn" or f.name.endswith("_dsn")):
            out.append((path, value))
        else:
            out += _dsn_fields(value, path + ".")
    return out


def redactor_for(spec: Spec) -> Any:
    """The redactor of a run: the values of the spec's secrets (from the environment, `vars:`,
    includes or defaults, and of variables made from them) and the secret values its targets
    carry."""
    from certify.redact import Redactor

    redactor = Redactor.for_names(spec.secrets)
    for name, value in spec.secret_values:
        redactor.add(name, value, variable=name in spec.secrets and os.environ.get(name) in (None, value))
    for name, value in secret_values(spec):
        redactor.add(name, value)
    return redactor
