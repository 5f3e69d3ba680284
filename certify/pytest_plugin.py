"""`pytest --certify checks.yaml` (or `pytest checks.yaml`): the hypotheses of a spec as pytest
items, for teams whose CI already runs pytest. With --certify only the spec's items are collected,
not the repository's own tests. One item per hypothesis, with the gate's rules: a gating FALSE fails, a
gating UNKNOWN fails (skips with --certify-allow-unknown), a waived one is skipped, and one
with `gate: false` never fails. The whole spec runs once, with certify's own concurrency, and
writes its evidence pack as `certify run` does.

Registered through the `pytest11` entry point; it imports nothing of certify until asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("certify")
    group.addoption("--certify", action="append", default=[], metavar="SPEC",
                    help="run the hypotheses of this certify spec as test items (repeatable)")
    group.addoption("--certify-output", default="reports", metavar="DIR",
                    help="where the evidence packs go (default: reports)")
    group.addoption("--certify-allow-unknown", action="store_true",
                    help="an UNKNOWN hypothesis is skipped instead of failing")


class _SpecRun:
    """One spec, run once when its first item runs."""

    def __init__(self, path: Path, config: pytest.Config) -> None:
        from certify.kinds.registry import REGISTRY
        from certify.spec.errors import SpecErrors
        from certify.spec.loader import load_spec, require_vars

        self.path, self.config = path, config
        try:
            self.spec = load_spec(path, REGISTRY)
            require_vars(self.spec, list(self.spec.hypotheses), REGISTRY)
        except SpecErrors as exc:
            raise pytest.UsageError("\n".join(str(e) for e in exc.errors)) from None
        self._result: Any = None
        self.pack: Path | None = None
        self.unwritten = ""  # why the evidence pack could not be written

    def result(self) -> Any:
        """The run's redacted result, once its evidence is written as `certify run` writes it."""
        if self._result is None:
            import warnings

            from certify.engine import run as engine
            from certify.report.outputs import Destinations, PackNotWritten, deliver
            from certify.targets import redactor_for

            redactor = redactor_for(self.spec)
            result = engine.run(self.spec, list(self.spec.hypotheses),
                                allow_unknown=self.config.getoption("certify_allow_unknown"))
            try:
                done = deliver(result, redactor, Destinations(Path(self.config.getoption("certify_output"))))
            except PackNotWritten as exc:
                self.unwritten = str(exc)
                self._result = redactor.deep(result)
                return self._result
            for problem in done.problems:
                warnings.warn(pytest.PytestWarning(f"certify: {problem}"), stacklevel=1)
            self._result, self.pack = done.result, done.pack
        return self._result


class CertifyFailure(Exception):
    """A hypothesis that fails the gate; its text is the evidence."""


class SpecFile(pytest.File):
    run: _SpecRun

    def collect(self) -> list[HypothesisItem]:
        return [HypothesisItem.from_parent(self, name=h.id, hypothesis_id=h.id, claim=h.claim,
                                           line=h.mark.line if h.mark else 0)
                for h in self.run.spec.hypotheses]


class HypothesisItem(pytest.Item):
    def __init__(self, *, hypothesis_id: str, claim: str, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hypothesis_id, self.claim, self.line = hypothesis_id, claim, line

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, SpecFile)
        run = parent.run
        result = run.result()
        h = next(x for x in result.hypotheses if x.id == self.hypothesis_id)
        allow_unknown = self.config.getoption("certify_allow_unknown")
        if run.unwritten:  # no evidence, no verdict: fail closed
            raise CertifyFailure(f"{h.id} {h.verdict}, but {run.unwritten}")
        if h.verdict == "TRUE":
            return
        if h.verdict == "WAIVED":
            pytest.skip(f"waived: {h.reason}")
        if not h.gate:
            pytest.skip(f"{h.verdict} (gate: false): {h.reason}")
        if h.verdict == "UNKNOWN" and allow_unknown:
            pytest.skip(f"UNKNOWN (allowed): {h.reason}")
        lines = [f"{h.id} {h.verdict}: {h.claim}", f"  {h.reason}"]
        for c in h.checks:
            lines.append(f"  check {c.name} ({c.kind}): {c.status} - {c.reason}")
            lines += [f"    {f.where}: {f.what}" for f in c.findings[:10]]
            if c.reproduce:
                lines.append("    reproduce: " + c.reproduce.replace("\n", "\n      "))
        if h.question:
            lines.append(f"  question: {h.question}")
        lines.append(f"  evidence pack: {run.pack}")
        raise CertifyFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, CertifyFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(0, self.line - 1), f"{self.hypothesis_id}: {self.claim}"


_NAMED_SPECS = pytest.StashKey[set[Path]]()


def _named_specs(config: pytest.Config) -> set[Path]:
    """YAML files named as positional arguments (`pytest checks.yaml`): specs to run (worked out
    once per session: every collected path asks)."""
    if _NAMED_SPECS not in config.stash:
        config.stash[_NAMED_SPECS] = {
            Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args
            if arg.split("::")[0].endswith((".yaml", ".yml"))}
    return config.stash[_NAMED_SPECS]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --certify, or a spec given positionally, nothing but the specs is collected."""
    named = _named_specs(config)
    if config.getoption("certify") or named:
        return collection_path.resolve() not in named or None
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    """A spec named on the command line (`pytest checks.yaml`) is collected like --certify's."""
    config = parent.config
    if file_path.resolve() not in _named_specs(config) or str(file_path) in config.getoption("certify"):
        return None
    node: SpecFile = SpecFile.from_parent(parent, path=file_path)
    node.run = _SpecRun(file_path.resolve(), config)
    return node


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    for spec in config.getoption("certify"):
        path = Path(spec).resolve()
        if not path.is_file():
            raise pytest.UsageError(f"--certify {spec}: no such spec file")
        node = SpecFile.from_parent(session, path=path)
        node.run = _SpecRun(path, config)
        items.extend(node.collect())
