"""The smaller commands: explain, schema, list, validate; and --help stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from certify.kinds.registry import KINDS
from tests.conftest import ROOT, certify


def test_explain_every_kind_and_a_typo(tmp_path: Path) -> None:
    for kind in KINDS:
        res = certify("explain", kind, cwd=tmp_path)
        assert res.exit_code == 0 and res.stdout.startswith(f"{kind} — ")
        assert "example:" in res.stdout
    res = certify("explain", "grpe", cwd=tmp_path)
    assert res.exit_code == 2 and 'did you mean "grep"' in res.stderr


def test_schema_describes_every_kind_and_the_demo_fits_it(tmp_path: Path) -> None:
    res = certify("schema", cwd=tmp_path)
    schema = json.loads(res.stdout)
    check = schema["$defs"]["check"]
    assert set(check["properties"]["kind"]["enum"]) == set(KINDS)
    grep = next(b["then"] for b in check["allOf"] if b["if"]["properties"]["kind"]["const"] == "grep")
    assert grep["required"] == ["pattern"]
    assert "window" in grep["properties"] and "timeout" in grep["properties"]
    assert grep["additionalProperties"] is False
    assert schema["properties"]["targets"]["properties"]["repo"]["properties"]["path"]


def test_list_and_validate_the_demo() -> None:
    res = certify("list", cwd=ROOT)
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0].split()[:5] == ["ID", "GROUP", "PROOF", "GATE", "CHECKS"]
    assert "H-S1" in res.stdout
    res = certify("validate", cwd=ROOT)
    assert res.exit_code == 0 and "valid" in res.stdout


def test_help_does_not_import_the_heavy_parts() -> None:
    code = ("import sys; from certify.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('jinja2', 'junit_xml', 'yaml', 'certify.engine.run') if m in sys.modules]\n"
            "print('HEAVY=' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="
