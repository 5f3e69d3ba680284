"""Scale: static extraction of a 300-route application inside a 1,500-module repository stays
well under 2 s (module resolution is a dictionary look-up, not a scan of every module per
import); the generator is the one benchmarks/routes_scan.py times."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from certify.targets.routes import code_routes
from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("routes_scan", ROOT / "benchmarks" / "routes_scan.py")
assert spec and spec.loader
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.parametrize("framework", ["fastapi", "express"])
def test_a_300_route_application_in_a_large_repository_under_2s(tmp_path: Path, framework: str) -> None:
    (bench.fastapi_app if framework == "fastapi" else bench.express_app)(tmp_path, 300, 1500)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    start = time.process_time()  # CPU seconds: a loaded machine does not make it flaky
    ex = code_routes(tmp_path, files, framework)
    took = time.process_time() - start
    assert (len(ex.routes), ex.unresolved, ex.unparsed) == (300, [], [])
    assert took < 2.0, f"{took:.2f}s"
