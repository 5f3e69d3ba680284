"""How certify reaches the system under test. One entry per target type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certify.spec.model import Spec, TargetSpec
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
}


def secret_values(spec: Spec) -> list[str]:
    """Every secret value the targets of a spec carry in their config."""
    out: list[str] = []
    for t in spec.targets.values():
        out += TARGET_TYPES[t.type].secrets(t.config)
    return out



def redactor_for(spec: Spec) -> Any:
    """The redactor of a run: the spec's secrets (their values, or the defaults they fell back
    to) and the secret values its targets carry."""
    from certify.redact import Redactor

    redactor = Redactor.for_names(spec.secrets)
    for name, value in spec.secret_defaults:
        redactor.add(name, value, variable=True)
    for value in secret_values(spec):
        redactor.add("DSN_PASSWORD", value)
    return redactor
