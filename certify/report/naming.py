"""Names shared by every renderer: pack folders, attachment files, anchors."""

from __future__ import annotations

from certify.engine.result import CheckResult, HypothesisResult
from certify.names import slug as slug


def attachment_path(hyp: HypothesisResult, check: CheckResult, name: str) -> str:
    """Where a check's full output lives inside the pack."""
    return f"attachments/{slug(hyp.id, 40)}-{check.index}-{slug(check.kind)}-{name}"


def anchor(hyp: HypothesisResult) -> str:
    """GitHub's heading anchor for the hypothesis's evidence section."""
    return anchor_of(hyp.id)


def anchor_of(hypothesis_id: str) -> str:
    return "ev-" + slug(hypothesis_id, 40)


def run_attachment_path(name: str) -> str:
    """Where a run-level attachment (a started service's log) lives inside the pack."""
    return f"attachments/targets/{slug(name.rsplit('.', 1)[0], 60)}.{name.rsplit('.', 1)[-1]}"
