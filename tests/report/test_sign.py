"""Signed packs: an in-toto Statement (every file of the pack with its sha256, and the gate) in a
DSSE envelope signed with Ed25519; `certify verify PACK --key PUB` checks it. Keys never enter
the pack."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import certify, spec_text, write

SIGNATURE = "SIGNATURE.dsse.json"


def _keys(where: Path, name: str = "k") -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private = where / f"{name}.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public = where / f"{name}.pub"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    return tmp_path


def test_run_sign_then_verify_round_trips(project: Path) -> None:
    private, public = _keys(project)
    res = certify("run", "-q", "--sign", str(private), cwd=project)
    assert res.exit_code == 0, res.stdout + res.stderr
    pack = res.pack
    envelope = json.loads((pack / SIGNATURE).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    names = {s["name"] for s in statement["subject"]}
    assert names == {"EVIDENCE.md", "junit.xml", "results.json", "MANIFEST.sha256"}
    predicate = statement["predicate"]
    assert predicate["gate"]["exit_code"] == 0 and predicate["counts"]["TRUE"] == 1
    assert {"spec_sha256", "commit", "runtime_proof_claimed"} <= set(predicate)
    key_text = private.read_text()
    for f in pack.rglob("*"):
        assert key_text.splitlines()[1] not in f.read_text()
    ok = certify("verify", str(pack), "--key", str(public), cwd=project)
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    assert "signature" in ok.stdout and "valid" in ok.stdout


def test_sign_command_and_tampering(project: Path) -> None:
    private, public = _keys(project)
    _, other = _keys(project, "other")
    pack = certify("run", "-q", cwd=project).pack
    unsigned = certify("verify", str(pack), "--key", str(public), cwd=project)
    assert unsigned.exit_code == 1 and "not signed" in unsigned.stdout, unsigned.stdout
    signed = certify("sign", str(pack), "--key", str(private), cwd=project)
    assert signed.exit_code == 0, signed.stdout + signed.stderr
    assert certify("verify", str(pack), "--key", str(public), cwd=project).exit_code == 0
    wrong = certify("verify", str(pack), "--key", str(other), cwd=project)
    assert wrong.exit_code == 1 and "signature" in wrong.stdout, wrong.stdout
    envelope = json.loads((pack / SIGNATURE).read_text())
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[0] ^= 1
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    (pack / SIGNATURE).write_text(json.dumps(envelope))
    bad = certify("verify", str(pack), "--key", str(public), cwd=project)
    assert bad.exit_code == 1 and "signature does not verify" in bad.stdout, bad.stdout
    certify("sign", str(pack), "--key", str(private), cwd=project)
    (pack / "EVIDENCE.md").write_text("forged\n")
    changed = certify("verify", str(pack), "--key", str(public), cwd=project)
    assert changed.exit_code == 1 and "EVIDENCE.md" in changed.stdout, changed.stdout


def test_a_bad_key_file_is_one_line(project: Path) -> None:
    (project / "not-a-key.pem").write_text("hello\n")
    res = certify("run", "-q", "--sign", "not-a-key.pem", cwd=project)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "not-a-key.pem" in lines[0] and "Ed25519" in lines[0], lines
    assert not (project / "reports").exists()


def test_a_signature_symlinked_out_of_the_pack_is_refused(project: Path) -> None:
    private, public = _keys(project)
    pack = certify("run", "-q", "--sign", str(private), cwd=project).pack
    outside = project / "elsewhere.json"
    (pack / SIGNATURE).rename(outside)
    (pack / SIGNATURE).symlink_to(outside)
    res = certify("verify", str(pack), "--key", str(public), cwd=project)
    assert res.exit_code == 1 and "symlink" in res.stdout, res.stdout
