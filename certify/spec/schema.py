"""The JSON Schema of a spec, for editors (yaml-language-server and the like)."""

from __future__ import annotations

import dataclasses
from typing import Any

from certify.spec.binder import dataclass_schema, json_schema
from certify.spec.loader import SpecFields
from certify.spec.model import Catalog, CheckCommon, HypothesisFields


def check_schema(catalog: Catalog) -> dict[str, Any]:
    common = dataclass_schema(CheckCommon)["properties"]
    branches = []
    for kind in catalog.kind_names():
        fields = catalog.kind_fields(kind)
        assert fields is not None
        own = dataclass_schema(fields)
        props = {**common, **own["properties"], "kind": {"const": kind}}
        then: dict[str, Any] = {"properties": props, "additionalProperties": False}
        if own.get("required"):
            then["required"] = own["required"]
        if own.get("description"):
            then["description"] = own["description"]
        branches.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                         "then": then})
    return {"type": "object", "required": ["kind"],
            "properties": {"kind": {"enum": catalog.kind_names(),
                                    "description": common["kind"].get("description", "")}},
            "allOf": branches}


def spec_schema(catalog: Catalog) -> dict[str, Any]:
    check = {"$ref": "#/$defs/check"}
    hyp = dataclass_schema(HypothesisFields, extra={
        "check": check, "checks": {"type": "array", "items": check, "minItems": 1}})
    hyp["oneOf"] = [{"required": ["check"]}, {"required": ["checks"]}]
    targets: dict[str, Any] = {}
    for type_ in catalog.target_types():
        cfg = catalog.target_config(type_)
        assert cfg is not None and dataclasses.is_dataclass(cfg)
        one = json_schema(cfg)
        targets[type_] = one if catalog.target_is_single(type_) else {
            "type": "object", "additionalProperties": one}
    top = dataclass_schema(SpecFields, extra={
        "targets": {"type": "object", "properties": targets, "additionalProperties": False},
        "hypotheses": {"type": "array", "items": {"$ref": "#/$defs/hypothesis"}},
    })
    top["required"] = ["certify", "phase", "hypotheses"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://certify.dev/schema/checks-1.json",
            "title": "certify check spec", **top,
            "$defs": {"check": check_schema(catalog), "hypothesis": hyp}}
