"""`migrations` whose globs match no file prove nothing: UNKNOWN, not "all 0 steps applied"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, certify, spec_text, write


def test_migration_globs_that_match_nothing_are_unknown(tmp_path: Path,
                                                       pg_server: Callable[[list[Path]], str]) -> None:
    admin = pg_server([])  # a scratch database on the session's server; its DSN can create more
    db = FIXTURES / "db"
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: NONE, claim: c, check: {kind: migrations, target: none}}
        - {id: NONE-ALLOWED, claim: c, check: {kind: migrations, target: none, allow_empty: true}}
        - {id: ONE-OF-TWO, claim: c, check: {kind: migrations, target: half}}
    """, header=f"""targets:
  postgres:
    none: {{ephemeral: {{migrations: ['{tmp_path}/nowhere/*.sql'], admin_dsn: '{admin}'}}}}
    half: {{ephemeral: {{setup: ['{db}/roles.sql'], admin_dsn: '{admin}',
                        migrations: ['{db}/migrations/*.sql', '{tmp_path}/nowhere/*.sql']}}}}
"""))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"NONE": "UNKNOWN", "NONE-ALLOWED": "TRUE", "ONE-OF-TWO": "TRUE"}
    hyps = {h["id"]: h for h in res.results["hypotheses"]}
    # (paths in the pack are relative to the spec's folder)
    assert hyps["NONE"]["reason"] == \
        "migration files matched no file: nowhere/*.sql (set allow_empty: true if that is expected)"
    assert "note: migration files: nowhere/*.sql matched no file" in hyps["ONE-OF-TWO"]["checks"][0]["output"]
