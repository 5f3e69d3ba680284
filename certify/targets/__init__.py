"""How certify reaches the system under test. One entry per target type.

A type names the module that implements it, imported when a spec first uses the type: a run that
reads only the repository loads no HTTP, logs, PostgreSQL or Google Cloud code.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certify.spec.model import Spec, TargetSpec


def _imported(ref: str) -> Any:
    """The object `module:name` of a module of this package, importing the module."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def _late(ref: str) -> Callable[..., Any]:
    """A function calling `module:name` (a module of this package), imported at the first call."""
    return lambda *args: _imported(ref)(*args)


@dataclass(frozen=True)
class TargetType:
    name: str
    config_ref: str  # `module:Class`: its config dataclass, in a module of this package
    single: bool  # `repo: {...}` rather than `postgres: {name: {...}}`
    open: Callable[[TargetSpec], Any]  # -> a live target object with close() and facts()
    # Secret values knowable from the config before anything runs (DSN passwords...).
    secrets: Callable[[Any], list[str]] = lambda config: []

    @property
    def config(self) -> type:
        config: type = _imported(self.config_ref)
        return config


def _open_repo(spec: TargetSpec) -> Any:
    from certify.targets.repo import RepoTarget

    return RepoTarget((spec.base_dir / spec.config.path).resolve())


TARGET_TYPES: dict[str, TargetType] = {
    "repo": TargetType("repo", "repo:RepoConfig", True, _open_repo),
    "postgres": TargetType("postgres", "postgres:PostgresConfig", False, _late("postgres:open_target"),
                           _late("postgres:config_secrets")),
    "http": TargetType("http", "http:HttpConfig", False, _late("http:HttpTarget"),
                       _late("http:config_secrets")),
    "logs": TargetType("logs", "logs:LogsConfig", False, _late("logs:open_target")),
    "gcp": TargetType("gcp", "gcp:GcpConfig", False, _late("gcp:open_target")),
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
