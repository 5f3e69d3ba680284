"""`certify reproduce PACK ID`: re-run one hypothesis from the pack's own recorded spec and print
the old and the new verdict and evidence side by side."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write

SPEC = spec_text("""
    - id: H-1
      claim: holds
      check: {kind: command, run: "true"}
    - id: H-2
      claim: the marker file is absent
      check: {kind: file, path: marker.txt, exists: false}
""")


def _pack(tmp_path: Path) -> Path:
    write(tmp_path / "checks.yaml", SPEC)
    write(tmp_path / "marker.txt", "x\n")
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    return res.pack


def test_reproduce_gives_the_same_verdict_side_by_side(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    res = certify("reproduce", str(pack), "H-2", cwd=tmp_path / "reports")  # from anywhere
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "H-2" in res.stdout and "was FALSE, now FALSE" in res.stdout and "same verdict" in res.stdout
    assert "marker.txt" in res.stdout
    assert not list((tmp_path / "reports").glob("*/*/MANIFEST.sha256"))[1:]  # no new pack


def test_a_changed_verdict_exits_1(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    (tmp_path / "marker.txt").unlink()
    res = certify("reproduce", str(pack), "H-2", cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    assert "was FALSE, now TRUE" in res.stdout


def test_a_changed_spec_is_refused_unless_given(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    spec = tmp_path / "checks.yaml"
    spec.write_text(spec.read_text().replace("claim: holds", "claim: still holds"))
    res = certify("reproduce", str(pack), "H-2", cwd=tmp_path)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "sha256" in lines[0] and "--spec" in lines[0], lines
    ok = certify("reproduce", str(pack), "H-2", "--spec", str(spec), cwd=tmp_path)
    assert ok.exit_code == 0, ok.stdout + ok.stderr


def test_an_unknown_id_is_one_line(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    res = certify("reproduce", str(pack), "H-9", cwd=tmp_path)
    assert res.exit_code == 2 and "H-9" in res.stderr and "H-1, H-2" in res.stderr


def test_an_altered_pack_is_not_reproduced(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    (pack / "results.json").write_text((pack / "results.json").read_text().replace('"FALSE"', '"TRUE"'))
    res = certify("reproduce", str(pack), "H-2", cwd=tmp_path)
    assert res.exit_code == 2 and "not intact" in res.stderr


def _service_spec(tmp_path: Path) -> None:
    write(tmp_path / "server.py", """
        import http.server, sys

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path == "/ok" else 500)
                self.end_headers()
                self.wfile.write(b"hi")

            def log_message(self, *a):
                pass

        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """)
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: /bad answers 200
          check: {kind: http, path: /bad, expect: {status: 200}}
    """, header="targets:\n  http:\n    api: {base_url: 'http://127.0.0.1:{port}', start: "
                "'python3 server.py {port}', ready: /ok}\n"))


def test_a_started_service_s_reproduce_line_is_certify_reproduce(tmp_path: Path) -> None:
    _service_spec(tmp_path)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H-1": "FALSE"}, res.stdout + res.stderr
    line = res.results["hypotheses"][0]["checks"][0]["reproduce"]
    rel = res.pack.relative_to(tmp_path).as_posix()
    assert line.startswith(f"certify reproduce {rel} H-1"), line
    assert "curl" in line  # what the check ran, still there
    again = certify(*line.splitlines()[0].split("#")[0].split()[1:], cwd=tmp_path)
    assert again.exit_code == 0 and "was FALSE, now FALSE" in again.stdout, again.stdout + again.stderr


def test_a_merged_pack_names_itself_once(tmp_path: Path) -> None:
    _service_spec(tmp_path)
    shard = certify("run", "-q", "--shard", "1/1", "-o", "shards", cwd=tmp_path)
    assert shard.exit_code == 1, shard.stdout + shard.stderr
    shard_pack = next((tmp_path / "shards").glob("*/*/MANIFEST.sha256")).parent
    merged = certify("merge", str(shard_pack), "-o", "merged", cwd=tmp_path)
    line = merged.results["hypotheses"][0]["checks"][0]["reproduce"]
    assert line.count("certify reproduce ") == 1 and line.startswith("certify reproduce merged/"), line


def test_keep_leaves_the_throwaway_database_up_until_enter(tmp_path: Path, fixture_dsn: str) -> None:
    """`--keep`: the rebuilt database stays up, the printed psql line reaches it, Enter stops it."""
    import shlex
    import subprocess
    import sys

    from psycopg.conninfo import make_conninfo

    admin = make_conninfo(fixture_dsn, dbname="postgres")
    write(tmp_path / "m/001.sql", "CREATE TABLE notes (id int); INSERT INTO notes VALUES (1), (2);\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-NOTES
          claim: there are no notes
          check: {kind: sql, target: fresh, query: "SELECT id FROM notes", expect: {rows: 0}}
    """, header=f"targets:\n  postgres:\n    fresh: {{ephemeral: {{admin_dsn: '{admin}', "
                "migrations: ['m/*.sql']}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H-NOTES": "FALSE"}, res.stdout + res.stderr
    argv = [sys.executable, "-m", "certify", "reproduce", str(res.pack), "H-NOTES", "--keep"]
    proc = subprocess.Popen(argv, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Enter"):
                break
        psql = next(x.strip().split(": ", 1)[1] for x in lines
                    if x.strip().startswith("postgres fresh: psql"))
        dsn = shlex.split(psql)[1]
        seen = subprocess.run(["psql", dsn, "-X", "-Atc", "SELECT count(*) FROM notes"], capture_output=True,
                              text=True, timeout=20)
        assert seen.stdout.strip() == "2", seen.stderr  # the database the claim was judged on, still up
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(30)
    finally:
        proc.kill()
    assert proc.returncode == 0, "".join(lines)
    assert "was FALSE, now FALSE" in "".join(lines)
    gone = subprocess.run(["psql", dsn, "-X", "-Atc", "SELECT 1"], capture_output=True, text=True, timeout=20)
    assert gone.returncode != 0  # dropped once Enter was pressed
