"""Signed packs: an in-toto Statement in a DSSE envelope, signed with Ed25519.

The Statement's subjects are every file of the pack (the manifest included) with its sha256;
its predicate says what the pack claims: the gate, the verdict counts, the spec's sha256, the
commit and whether runtime proof is claimed. The envelope is the pack's SIGNATURE.dsse.json
(the one file the manifest does not list, since it signs the manifest). Keys are read from
files given on the command line and never enter the pack.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certify.names import SIGNATURE

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://github.com/certify/certify/evidence-pack/v1"


class SigningKeyError(Exception):
    """A key file that cannot be used, in one line."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what is signed."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _read_key(path: Path) -> tuple[bytes, Any]:
    from cryptography.hazmat.primitives import serialization

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return data, serialization.load_pem_private_key(data, None)
    except (ValueError, TypeError):
        pass
    try:
        return data, serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        pass
    raise SigningKeyError(f"{path}: not a PEM Ed25519 key (an unencrypted private key: "
                          "`openssl genpkey -algorithm ed25519 -out certify.key`; its public key: "
                          "`openssl pkey -in certify.key -pubout`)")


def private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, key = _read_key(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 private key (signing needs the private key; verify "
                              "takes the public one)")
    return key


def public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    _, key = _read_key(path)
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key")
    return key


def keyid(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def statement(files: dict[str, bytes]) -> dict[str, Any]:
    """The in-toto Statement of a pack's files (the manifest included, the signature not)."""
    results = json.loads(files["results.json"])
    gate = results.get("gate", {})
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}
                    for name, data in sorted(files.items()) if name != SIGNATURE],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "phase": results.get("phase"),
            "gate": {"passed": gate.get("passed"), "exit_code": gate.get("exit_code"),
                     "summary": gate.get("summary")},
            "counts": gate.get("counts"),
            "spec_sha256": results.get("spec", {}).get("sha256"),
            "commit": results.get("baseline", {}).get("commit"),
            "runtime_proof_claimed": gate.get("runtime_proof_claimed"),
        },
    }


def envelope(files: dict[str, bytes], key: Ed25519PrivateKey) -> bytes:
    payload = json.dumps(statement(files), indent=2, sort_keys=True).encode()
    sig = key.sign(pae(PAYLOAD_TYPE, payload))
    return (json.dumps({
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": keyid(key.public_key()), "sig": base64.b64encode(sig).decode()}],
    }, indent=2) + "\n").encode()


def pack_files(pack: Path) -> dict[str, bytes]:
    """Every file of a written pack but its signature, by relative path."""
    return {p.relative_to(pack).as_posix(): p.read_bytes() for p in sorted(pack.rglob("*"))
            if p.is_file() and p.relative_to(pack).as_posix() != SIGNATURE}


def sign_pack(pack: Path, key: Ed25519PrivateKey) -> Path:
    """Write (or replace) PACK/SIGNATURE.dsse.json; the pack's own files are left as they are."""
    out = pack / SIGNATURE
    tmp = pack / f".{SIGNATURE}.tmp"
    tmp.write_bytes(envelope(pack_files(pack), key))
    tmp.replace(out)
    return out


@dataclass
class SignatureCheck:
    signed: bool
    keyid: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signed and not self.problems


def check_signature(pack: Path, key: Ed25519PublicKey) -> SignatureCheck:
    """The envelope verifies with `key`, and its subjects are exactly the pack's files, unchanged."""
    from cryptography.exceptions import InvalidSignature

    path = pack / SIGNATURE
    if path.is_symlink():
        return SignatureCheck(True, problems=[f"{SIGNATURE}: a symlink; the signature must be the pack's "
                                              "own file"])
    if not path.is_file():
        return SignatureCheck(False, problems=[f"the pack is not signed (no {SIGNATURE})"])
    out = SignatureCheck(True, keyid(key))
    try:
        env = json.loads(path.read_text(encoding="utf-8"))
        payload = base64.b64decode(env["payload"], validate=True)
        sigs = [base64.b64decode(s["sig"], validate=True) for s in env["signatures"]]
        if env["payloadType"] != PAYLOAD_TYPE:
            raise ValueError(f"payloadType {env['payloadType']!r}")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        out.problems.append(f"{SIGNATURE}: not a DSSE envelope ({exc})")
        return out
    good = False
    for sig in sigs:
        try:
            key.verify(sig, pae(PAYLOAD_TYPE, payload))
            good = True
        except InvalidSignature:
            continue
    if not good:
        out.problems.append(f"{SIGNATURE}: the signature does not verify with the key {out.keyid[:16]} "
                            "(signed with another key, or the envelope was changed)")
        return out
    try:
        subjects = {s["name"]: s["digest"]["sha256"] for s in json.loads(payload)["subject"]}
    except (ValueError, KeyError, TypeError) as exc:
        out.problems.append(f"{SIGNATURE}: the signed statement has no usable subjects ({exc})")
        return out
    files = pack_files(pack)
    for name in sorted(set(subjects) | set(files)):
        if name not in files:
            out.problems.append(f"{name}: signed, but missing from the pack")
        elif name not in subjects:
            out.problems.append(f"{name}: in the pack, but not signed")
        elif hashlib.sha256(files[name]).hexdigest() != subjects[name]:
            out.problems.append(f"{name}: changed since it was signed")
    return out
