"""A check's time is its own: waiting for a shared target to come up is not counted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write


def test_took_excludes_starting_the_service(tmp_path: Path) -> None:
    write(tmp_path / "index.html", "ok\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: UP
          claim: the service answers
          check: {kind: http, path: /index.html}
    """, header="targets:\n  http:\n    web:\n      base_url: 'http://127.0.0.1:{port}'\n"
                "      start: sleep 2 && exec python3 -m http.server {port} --bind 127.0.0.1\n"
                "      ready: /index.html\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"UP": "TRUE"}, res.stdout
    took = res.results["hypotheses"][0]["checks"][0]["seconds"]
    assert took < 1.0, f"the check's own time was {took}s: it counted the service's start"
