"""rls_isolation's FALSE line names the tenant whose count is wrong, and its findings name the
table the way PostgreSQL prints it (public.open_rows, not "public"."open_rows")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import certify, spec_text, write

OPEN = """
DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iso_word') THEN CREATE ROLE iso_word LOGIN; END IF;
END$$;
CREATE TABLE public.open_rows (tenant text);
INSERT INTO public.open_rows VALUES ('a'), ('b'), ('b');
GRANT SELECT ON public.open_rows TO iso_word;
"""


def test_the_false_line_names_the_tenant(pg_server: Callable[[list[Path]], str], tmp_path: Path) -> None:
    sql = tmp_path / "open.sql"
    sql.write_text(OPEN)
    dsn = pg_server([sql])
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: tenants are isolated
          check: {kind: rls_isolation, role: iso_word, table: public.open_rows, setting: app.tenant,
                  tenants: {a: 1, b: 2}, no_tenant: 0}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    h = res.results["hypotheses"][0]
    assert h["verdict"] == "FALSE", h
    assert "with tenant a" in h["reason"] and "with no tenant" in h["reason"], h["reason"]
    wheres = {f["where"] for f in h["checks"][0]["findings"]}
    assert all(w.startswith("public.open_rows") for w in wheres), wheres
