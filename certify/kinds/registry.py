"""The registry of check kinds: `kind:` name -> module. Adding a kind is one line here.

Modules are imported when first asked for, so `certify --help` loads none of them.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from certify.kinds.base import KindSpec
from certify.spec.model import Proof
from certify.targets import TARGET_TYPES

KINDS: dict[str, str] = {
    "command": "certify.kinds.command",
    "file": "certify.kinds.file",
    "grep": "certify.kinds.grep",
    "git": "certify.kinds.git",
    "env": "certify.kinds.env",
    "sql": "certify.kinds.sql",
    "rls": "certify.kinds.rls",
    "rls_isolation": "certify.kinds.rls_isolation",
    "grants": "certify.kinds.grants",
    "security_definer": "certify.kinds.security_definer",
    "migrations": "certify.kinds.migrations",
    "http": "certify.kinds.http",
    "auth_matrix": "certify.kinds.auth_matrix",
    "metrics": "certify.kinds.metrics",
    "routes": "certify.kinds.routes",
    "log_proof": "certify.kinds.log_proof",
    "cloud_run_service": "certify.kinds.cloud_run_service",
    "cloud_scheduler_job": "certify.kinds.cloud_scheduler_job",
}


@cache
def get(name: str) -> KindSpec[Any]:
    spec: KindSpec[Any] = importlib.import_module(KINDS[name]).KIND
    return spec


class Registry:
    """The `Catalog` the spec loader validates against."""

    def kind_names(self) -> list[str]:
        return sorted(KINDS)

    def kind_fields(self, kind: str) -> type | None:
        return get(kind).fields if kind in KINDS else None

    def kind_target_type(self, kind: str) -> str | None:
        return get(kind).target_type

    def kind_proof(self, kind: str) -> Proof:
        return get(kind).proof

    def target_types(self) -> list[str]:
        return sorted(TARGET_TYPES)

    def target_config(self, type_: str) -> type | None:
        t = TARGET_TYPES.get(type_)
        return t.config if t else None

    def target_is_single(self, type_: str) -> bool:
        return TARGET_TYPES[type_].single


REGISTRY = Registry()
