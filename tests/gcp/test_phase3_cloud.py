"""examples/phase3-certification-record against its cloud (cloud/state.json, served by the fake
that the spec's gcp target starts): the runtime wiring (group R) is proven from the deployed
configuration, claims runtime proof on its own (`--only 'H-R*'`), and moves with the cloud's
state; `diagnose invoker-403 --gcp cloud` finds the configuration agreeing with the logs, and
names the fix when it does not."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, certify, git
from tests.test_example_flips import run_env

EXAMPLE = ROOT / "examples" / "phase3-certification-record"
SUB = "112540986223087415907"
API = "https://oli-api-1010034434203.us-central1.run.app"
RUNTIME = ["H-R1", "H-R2", "H-R4", "H-R5", "H-R7"]


def copy(tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    work = tmp_path / "phase3"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("reports", "__pycache__"))
    if change is not None:
        state_file = work / "cloud" / "state.json"
        state = json.loads(state_file.read_text())
        change(state)
        state_file.write_text(json.dumps(state))
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("reports/\n__pycache__/\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "phase3")
    return work


def revision(state: dict[str, Any], short: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in state["revisions"] if r["name"].endswith("/" + short))
    return found


def wiring(work: Path) -> tuple[dict[str, str], dict[str, Any]]:
    res = certify("run", "checks.yaml", "-q", "--only", "H-R*", cwd=work, env=run_env())
    return {k: v for k, v in res.verdicts.items() if k in RUNTIME}, res.results["gate"]


def test_the_runtime_wiring_claims_runtime_proof_against_the_cloud(tmp_path: Path) -> None:
    verdicts, gate = wiring(copy(tmp_path))
    assert verdicts == dict.fromkeys(RUNTIME, "TRUE")
    assert gate["runtime_proof_claimed"] is True, gate["runtime_proof_reason"]


def _batch_one(state: dict[str, Any]) -> None:
    state["policies"]["projects/oli-prod/locations/us-central1/services/oli-api"]["bindings"] = []
    state["jobs"][0]["state"] = "PAUSED"
    env = revision(state, "onwithingsbackfillscheduled-00004-lur")["containers"][0]["env"]
    env[1]["value"] = f"{API}/integrations/withings/backfill"


def _batch_two(state: dict[str, Any]) -> None:
    rev = revision(state, "oli-api-00018-qov")["containers"][0]
    rev["env"] = [{"name": "NODE_ENV", "value": "production"},
                  {"name": "INVOKER_TOKEN_AUDIENCE", "value": f"{API}/integrations/withings/backfill"}]


@pytest.mark.parametrize(("change", "moved"), [
    (_batch_one, {"H-R1": "TRUE", "H-R2": "FALSE", "H-R4": "TRUE", "H-R5": "FALSE", "H-R7": "FALSE"}),
    # the logs still say the revision started with an allowlist: configuration and logs disagree
    (_batch_two, {"H-R1": "FALSE", "H-R2": "FALSE", "H-R4": "FALSE", "H-R5": "TRUE", "H-R7": "TRUE"}),
], ids=["IAM binding gone, job paused, function calls base + path", "allowlists gone, audience with path"])
def test_the_wiring_follows_the_clouds_state(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                             moved: dict[str, str]) -> None:
    verdicts, gate = wiring(copy(tmp_path, change))
    assert verdicts == moved
    assert gate["runtime_proof_claimed"] is False


def diagnose(work: Path) -> str:
    res = certify("diagnose", "invoker-403", "--logs", "api", "--gcp", "cloud", "--service", "oli-api",
                  "--since", "2026-02-09T00:00:00Z", cwd=work, env=run_env())
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_the_403_diagnosis_finds_the_configuration_agreeing_with_the_logs(tmp_path: Path) -> None:
    out = diagnose(copy(tmp_path))
    assert "Mismatches:\n  none: every caller the configuration names agrees with it" in out
    assert f"now: settled: WITHINGS_PULL_INVOKER_SUBS of revision oli-api-00018-qov holds sub {SUB}" in out
    assert ("roles/run.invoker: serviceAccount:oli-functions-runtime@oli-prod.iam.gserviceaccount.com"
            in out)


def test_the_403_diagnosis_names_the_fix_when_the_sub_is_gone(tmp_path: Path) -> None:
    def drop_sub(state: dict[str, Any]) -> None:
        env = revision(state, "oli-api-00018-qov")["containers"][0]["env"]
        env[:] = [e for e in env if e["name"] != "WITHINGS_PULL_INVOKER_SUBS"]
        env.append({"name": "WITHINGS_PULL_INVOKER_SUBS", "value": "109876543210987654321"})

    out = diagnose(copy(tmp_path, drop_sub))
    assert (f"fix: add sub {SUB} to WITHINGS_PULL_INVOKER_SUBS: gcloud run services update oli-api --region "
            "us-central1 --project oli-prod --update-env-vars="
            f"'^@^WITHINGS_PULL_INVOKER_SUBS=109876543210987654321,{SUB}'") in out
