"""Specs are read by libyaml when it is installed, and mean what they meant to PyYAML's own parser.

libyaml composes a spec about ten times faster. Every text PyYAML's parser reads must come out
the same (values, tags, positions); a text it refuses keeps its message unless libyaml reads it
as valid YAML (a `?` inside a flow value, which PyYAML's parser refuses).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from certify.spec.errors import SpecError
from certify.spec.yamlnodes import compose
from tests.conftest import ROOT, certify, spec_text, write

Shape = tuple[object, ...]

# Pieces of YAML that parsers disagree about (tabs, tags, explicit keys, document markers, empty
# flow values, block scalar headers, byte order marks, the other line breaks) and of specs.
PIECES = [*"ab:- \n\t{}[],'\"#&*!|>?%@`\\.0123é\r\x85\u2028\ufeff", "- ", "key: ", "\n  ", "  - ",
          "'x'", '"y\\n"', "!!str ", "&a ", "*a", "<<: ", "---\n", "...\n", "%YAML 1.1\n", "|\n  ",
          ">-\n  ", "|+\n  ", ">2\n   ", "2001-12-14", "0x1F", "1e3", "~", "null", "yes", "on", "\n- ",
          "\n  k: ", "a: b\n", "{a: 1, b: [x, y]}", "!t ", "!<tag:x> ", "? ", ": ", "{k: ", "${X}",
          "http://h:1/p?q=1#f", "'a''b'", " # c\n", "(?P<n>\\d+)", "s?"]


def _shape(node: yaml.Node, depth: int = 0) -> Shape:
    """What a reader of the node sees: kind, tag, position, value (aliases may loop: cut deep)."""
    if depth > 40:
        return ("deep",)
    head = (type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (*head, node.value, node.style or None)
    if isinstance(node, yaml.SequenceNode):
        return (*head, tuple(_shape(n, depth + 1) for n in node.value))
    return (*head, tuple((_shape(k, depth + 1), _shape(v, depth + 1)) for k, v in node.value))


def _pyyaml(text: str) -> list[Shape] | None:
    """PyYAML's own parser: the documents, or None when it refuses the text."""
    try:
        return [_shape(d) for d in yaml.compose_all(text, Loader=yaml.SafeLoader)]
    except (yaml.YAMLError, RecursionError):
        return None


def _certify(text: str) -> list[Shape] | None:
    try:
        return [_shape(d) for d in compose(text, "checks.yaml")]
    except SpecError:
        return None


def _texts() -> list[str]:
    specs = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("**/*.y*ml"))
             if ".venv" not in p.parts and "reports" not in p.parts]
    rng = random.Random(20261207)  # the same texts on every run
    made = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(6000)]
    edited = []
    for _ in range(600):  # real specs with a few pieces put in or taken out
        text = rng.choice(specs)[:4000]
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            text = (text[:at] + rng.choice(PIECES) + text[at:] if rng.random() < 0.5
                    else text[:at] + text[at + rng.randint(1, 3):])
        edited.append(text)
    return specs + made + edited


def test_every_text_pyyaml_reads_is_read_the_same() -> None:
    differ = [text for text in _texts() if (want := _pyyaml(text)) is not None and _certify(text) != want]
    assert differ == [], f"{len(differ)} texts read differently, e.g. {differ[:3]!r}"


@pytest.mark.skipif(getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML without libyaml")
def test_a_question_mark_inside_a_flow_value_is_valid_yaml(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "API_SECRET = 'x'\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: no secret in the code
          check: {kind: grep, pattern: (?i)api_secret, paths: [repo/**], expect: none}
    """))
    res = certify("run", cwd=tmp_path)
    assert res.exit_code == 1, res.stderr
    (finding,) = res.results["hypotheses"][0]["checks"][0]["findings"]
    assert finding["where"] == "repo/app.py:1"


def test_malformed_yaml_keeps_pyyaml_message_and_position(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", "certify: 1\nphase: p\nhypotheses:\n  - {id: H1, claim: [c}\n")
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.stderr.strip() == ("checks.yaml:4:23: invalid YAML: expected ',' or ']', but got '}' "
                                  "(while parsing a flow sequence)")
