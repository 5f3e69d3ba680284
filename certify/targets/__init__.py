"""How certify reaches the system under test. One entry per target type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certify.spec.model import TargetSpec
from certify.targets.repo import RepoConfig, RepoTarget


@dataclass(frozen=True)
class TargetType:
    name: str
    config: type
    single: bool  # `repo: {...}` rather than `postgres: {name: {...}}`
    open: Callable[[TargetSpec], Any]  # -> a live target object with close() and facts()


def _open_repo(spec: TargetSpec) -> RepoTarget:
    cfg: RepoConfig = spec.config
    return RepoTarget((spec.base_dir / cfg.path).resolve())


TARGET_TYPES: dict[str, TargetType] = {
    "repo": TargetType("repo", RepoConfig, True, _open_repo),
}


def repo_root(spec_base: Path, config: RepoConfig) -> Path:
    return (spec_base / config.path).resolve()
