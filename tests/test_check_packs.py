"""The reusable check packs in checks/: each included with its parameters, against a real
system (fixtures/ and a hardened database written here), and what a missing parameter says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, certify, git, write

PACKS = ROOT / "checks"

HARDENED = """
CREATE ROLE hardened_rw NOLOGIN;
CREATE TABLE public.notes (id int, tenant text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_notes ON public.notes USING (tenant = current_setting('app.tenant', true));
CREATE VIEW public.my_notes WITH (security_invoker = true) AS SELECT id FROM public.notes;
CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  SET search_path = '' AS 'SELECT count(*) FROM public.notes';
REVOKE EXECUTE ON FUNCTION public.note_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.note_count() TO hardened_rw;
"""


def _spec(where: Path, includes: str, targets: str) -> None:
    write(where / "checks.yaml", f"certify: 1\nphase: packs\ninclude:\n{includes}targets:\n{targets}"
                                 "hypotheses: []\n")


def _pg_targets(setup: list[Path], migrations: str) -> str:
    return ("  postgres:\n    db:\n      ephemeral:\n"
            f"        setup: [{', '.join(str(p) for p in setup)}]\n"
            f"        migrations: ['{migrations}']\n")


def test_postgres_hardening_finds_the_planted_defects_and_passes_a_hardened_database(tmp_path: Path) -> None:
    include = (f"  - path: {PACKS}/postgres-hardening.yaml\n"
               "    vars: {PG_TARGET: db, PG_DEFINER_GRANTEES: [app_rw], PG_SCHEMAS: [public, app]}\n")
    _spec(tmp_path, include, _pg_targets([FIXTURES / "db/roles.sql"], f"{FIXTURES}/db/migrations/*.sql"))
    res = certify("run", "-q", cwd=tmp_path)
    assert set(res.verdicts.values()) == {"FALSE"} and len(res.verdicts) == 4
    found = {h["id"]: {f["where"] for c in h["checks"] for f in c["findings"]}
             for h in res.results["hypotheses"]}
    assert {"public.webhook_events", "public.sources", "public.conversations"} <= found["PG-RLS"]
    assert {"public.jobs", "public.tenant_stats(uuid)"} <= found["PG-PUBLIC"]
    assert {"public.get_twin_count(text)", "app.purge_failed_jobs(uuid)"} <= found["PG-DEFINER"]
    assert found["PG-VIEWS"] == {"public.conversation_feed", "public.failed_jobs_overview"}

    clean = tmp_path / "clean"
    write(clean / "db" / "001.sql", HARDENED)
    include = (f"  - path: {PACKS}/postgres-hardening.yaml\n"
               "    vars: {PG_TARGET: db, PG_DEFINER_GRANTEES: hardened_rw}\n")  # one role: a plain string
    _spec(clean, include, _pg_targets([], "db/*.sql"))
    res = certify("run", "-q", cwd=clean)
    assert res.exit_code == 0, res.stdout
    assert set(res.verdicts.values()) == {"TRUE"}


def test_cloud_run_invoker_proves_the_200s_and_finds_the_403_after_them(tmp_path: Path) -> None:
    include = (f"  - path: {PACKS}/cloud-run-invoker.yaml\n"
               "    vars: {INVOKER_LOGS: prod, INVOKER_SERVICE: oli-api,\n"
               "           INVOKER_SINCE: '2026-11-19T00:00:00Z',\n"
               "           INVOKER_URL: /integrations/withings/backfill,\n"
               "           INVOKER_SUBS_VAR: WITHINGS_PULL_INVOKER_SUBS}\n")
    _spec(tmp_path, include, f"  logs:\n    prod: {{files: [{FIXTURES}/logs/prod-requests.json]}}\n")
    env = {"INVOKER_TOKEN_AUDIENCE": "https://oli-api.example.run.app",
           "WITHINGS_PULL_INVOKER_SUBS": "1234567890", "INVOKER_ALLOWED_EMAILS": ""}
    res = certify("run", "-q", cwd=tmp_path, env=env)
    assert res.verdicts == {"INV-ENV": "TRUE", "INV-200": "TRUE", "INV-403": "FALSE"}
    inv403 = res.results["hypotheses"][2]["checks"][0]
    assert "after the last match" in inv403["reason"] and inv403["findings"]
    assert "1234567890" not in (res.pack / "EVIDENCE.md").read_text()  # env values are never printed

    res = certify("run", "-q", "--only", "INV-ENV", cwd=tmp_path, env=dict.fromkeys(env, ""))
    assert res.verdicts == {"INV-ENV": "FALSE"}
    assert "INVOKER_TOKEN_AUDIENCE" in res.results["hypotheses"][0]["reason"]


def test_repo_hygiene_on_a_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repo", repo)
    write(repo / "deploy.env", "DATABASE_URL=postgres://app:hunter2secret@db:5432/app\n")
    write(repo / "tests/fixtures/fake.pem", "-----BEGIN RSA PRIVATE KEY-----\n")  # excluded by default
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "x")
    write(tmp_path / "checks.yaml", "certify: 1\nphase: hygiene\ntargets: {repo: {path: repo}}\n"
                                    f"include: ['{PACKS}/repo-hygiene.yaml']\nhypotheses: []\n")
    res = certify("run", "-q", "-o", str(tmp_path / "out"), cwd=tmp_path)
    res.out_dir = tmp_path / "out"
    assert res.verdicts == {"HY-CLEAN": "TRUE", "HY-SECRETS": "FALSE", "HY-COMPOSE": "FALSE"}
    by_id = {h["id"]: h["checks"][0] for h in res.results["hypotheses"]}
    assert [f["where"] for f in by_id["HY-SECRETS"]["findings"]] == ["deploy.env:1"]
    assert "hunter2secret" not in (res.pack / "EVIDENCE.md").read_text()
    assert [f["what"] for f in by_id["HY-COMPOSE"]["findings"]] == [
        "references docker/worker.Dockerfile, which does not exist"]

    write(repo / "stray.txt", "uncommitted\n")
    res = certify("run", "-q", "--only", "HY-CLEAN", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert res.exit_code == 1 and "stray.txt" in (tmp_path / "out").joinpath(
        res.stdout.strip().splitlines()[-1].split("/out/", 1)[1], "EVIDENCE.md").read_text()


def test_fastapi_service_health_and_contract(tmp_path: Path) -> None:
    include = (f"  - path: {PACKS}/fastapi-service.yaml\n"
               "    vars: {API_TARGET: app, API_CODE: [app/routes], API_CONTRACT: [openapi.yaml]}\n")
    targets = (f"  repo: {{path: {FIXTURES}/repo}}\n"
               "  http:\n    app:\n      base_url: 'http://127.0.0.1:{port}'\n"
               f"      start: python3 {FIXTURES}/app/server.py --port {{port}}\n      ready: /health/live\n")
    _spec(tmp_path, include, targets)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"API-LIVE": "TRUE", "API-READY": "TRUE", "API-ROUTES": "FALSE"}
    routes = res.results["hypotheses"][2]["checks"][0]
    assert {f["where"] for f in routes["findings"]} == {"DELETE /twins/{twin_id}", "POST /twins/{id}/archive"}


@pytest.mark.parametrize("pack, given, missing", [
    ("postgres-hardening", "PG_DEFINER_GRANTEES: [app_rw]", "PG_TARGET"),
    ("postgres-hardening", "PG_TARGET: db", "PG_DEFINER_GRANTEES"),
    ("cloud-run-invoker", "INVOKER_LOGS: prod, INVOKER_SERVICE: api", "INVOKER_URL"),
    ("fastapi-service", "API_CONTRACT: [openapi.yaml]", "API_TARGET"),
    ("fastapi-service", "API_TARGET: app", "API_CONTRACT"),
])
def test_a_missing_parameter_is_one_line_naming_the_pack_and_how_to_set_it(
        tmp_path: Path, pack: str, given: str, missing: str) -> None:
    shutil.copytree(PACKS, tmp_path / "checks")
    targets = ("  postgres: {db: {dsn: 'host=/nonexistent dbname=x'}}\n  logs: {prod: {files: [x.json]}}\n"
               "  http: {app: {base_url: 'http://127.0.0.1:9'}}\n")
    _spec(tmp_path, f"  - path: checks/{pack}.yaml\n    vars: {{{given}}}\n", targets)
    for command in ("validate", "run"):
        res = certify(command, cwd=tmp_path)
        assert res.exit_code == 2
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1, res.stderr
        assert lines[0].startswith(f"checks/{pack}.yaml:")
        how = f"`include: [{{path: checks/{pack}.yaml, vars: {{{missing}: ...}}}}]`"
        assert (f"parameter {missing} of the pack checks/{pack}.yaml is not set; set it where the pack "
                f"is included ({how}") in lines[0]
        assert f"or export {missing}" in lines[0]
    assert not (tmp_path / "reports").exists()


def test_vars_precedence_and_lists(tmp_path: Path) -> None:
    """include vars > the includer's `vars:` > the file's own `vars:` > the environment."""
    write(tmp_path / "pack.yaml", """
        certify: 1
        phase: p
        vars: {A: pack, B: pack, C: pack}
        hypotheses:
          - id: P-1
            claim: "${A} ${B} ${C} ${D}"
            check: {kind: grep, pattern: hi, paths: "${FILES}", expect: 2}
    """)
    write(tmp_path / "x.txt", "hi\n")
    write(tmp_path / "y.txt", "hi\n")
    write(tmp_path / "z.txt", "hi\n")
    write(tmp_path / "checks.yaml", """
        certify: 1
        phase: root
        vars: {A: root, B: root, FILES: [x.txt, y.txt]}
        include: [{path: pack.yaml, vars: {A: include}}]
        hypotheses: []
    """)
    res = certify("run", "-q", cwd=tmp_path, env={"A": "env", "B": "env", "C": "env", "D": "env"})
    assert res.exit_code == 0
    hyp = res.results["hypotheses"][0]
    assert hyp["claim"] == "include root pack env"
    assert [f["where"] for f in hyp["checks"][0]["findings"]] == ["x.txt:1", "y.txt:1"]


@pytest.mark.parametrize("body, message", [
    ("include: [{path: p.yaml, vars: 5}]",
     "checks.yaml:3:32: include.vars: expected a mapping of names to a string or a list of strings, got int"),
    ("include: [{vars: {A: b}}]", 'checks.yaml:3:11: include: missing required field "path" (a string)'),
    ("vars: {A: {b: c}}", "checks.yaml:3:11: vars.A: expected a string or a list of strings, got a mapping"),
    ("include: [{path: p.yaml, pth: x}]",
     'checks.yaml:3:26: include: unknown field "pth" (did you mean "path"?)'),
    ('vars: {A: "${A}"}\ninclude: [p.yaml]', "checks.yaml:3:11: environment variable A is not set"),
])
def test_bad_vars_and_includes_are_one_positioned_line(tmp_path: Path, body: str, message: str) -> None:
    write(tmp_path / "p.yaml", 'certify: 1\nphase: p\nhypotheses:\n'
                               '  - {id: P, claim: "${A}", check: {kind: env, required: [HOME]}}\n')
    (tmp_path / "checks.yaml").write_text(f"certify: 1\nphase: x\n{body}\nhypotheses: []\n")
    res = certify("validate", cwd=tmp_path, env={"A": ""})
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith(message), res.stderr
