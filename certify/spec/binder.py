"""Bind YAML nodes to typed dataclasses, and describe those dataclasses as JSON Schema.

One declaration serves three readers: the loader (validation with positioned errors and
did-you-mean), `certify schema` (JSON Schema for editors) and `certify explain` (field
docs). A field's YAML key defaults to its name; `meta(key="in")` renames it (for keys
that are Python keywords). Types understood: str, int, float, bool, Literal, X | None,
unions, list[X] (a single value is accepted as a one-item list), dict[str, X], nested
dataclasses, and value types with `bind(node)` / `json_schema()` / `expected()` methods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints

from certify.spec.errors import SpecError, did_you_mean
from certify.spec.yamlnodes import Node

T = TypeVar("T")


class _Invalid:
    """Returned in place of a value that failed to bind (its errors are already recorded)."""


INVALID: Any = _Invalid()


class ValueType(Protocol):
    """A value type that binds itself (CountExpr, Regex ...)."""

    @classmethod
    def bind(cls, node: Node) -> Any: ...

    @classmethod
    def json_schema(cls) -> dict[str, Any]: ...

    @classmethod
    def expected(cls) -> str: ...


def meta(doc: str = "", key: str | None = None, example: str | None = None) -> dict[str, Any]:
    """Field metadata: its documentation and, when it differs from the name, its YAML key."""
    return {"doc": doc, "key": key, "example": example}


def yaml_key(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("key") or f.name


def field_doc(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("doc") or "")


def is_required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


_HINTS: dict[type, dict[str, Any]] = {}
_KEYED: dict[type, dict[str, dataclasses.Field[Any]]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The evaluated annotations of a dataclass, once per class (with `from __future__ import
    annotations` they are strings, evaluated anew by every get_type_hints)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls, include_extras=False)
    return hints


def _keyed(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """A dataclass's fields set from YAML (init fields) by their YAML key, once per class."""
    keyed = _KEYED.get(cls)
    if keyed is None:
        keyed = _KEYED[cls] = {yaml_key(f): f for f in dataclasses.fields(cls) if f.init}
    return keyed


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return get_args(tp)
    return None


def describe(tp: Any) -> str:
    """What a value of this type looks like, for error messages."""
    if tp is Any:
        return "any value"
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is dt.date:
        return "a date (YYYY-MM-DD)"
    if hasattr(tp, "expected"):
        return str(tp.expected())
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    args = _union_args(tp)
    if args is not None:
        parts = [describe(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(parts))
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(f'"{a}"' if isinstance(a, str) else str(a).lower() for a in get_args(tp))
    if origin is list:
        return f"a list of {_plural(describe(get_args(tp)[0]))}"
    if origin is dict:
        return f"a mapping of names to {_plural(describe(get_args(tp)[1]))}"
    return str(tp)


def _plural(text: str) -> str:
    if not text.startswith("a ") or " or " in text:
        return text
    noun, paren, rest = text[2:].partition(" (")
    return f"{noun}s{paren}{rest}"


def _kind_of(value: Any) -> str:
    """What was given, for `expected X, got Y` (call `_got(node)`: it quotes the spec's text)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) and len(value) < 40 else type(value).__name__


def _got(node: Node) -> str:
    """What a node holds, as the spec wrote it: `${API_TOKEN}`, never the value it expands to."""
    return _kind_of(node.shown())


def bind(tp: Any, node: Node, errors: list[SpecError], where: str = "") -> Any:
    """Bind `node` to type `tp`; record mistakes in `errors` and return INVALID for them."""
    try:
        return _bind(tp, node, errors, where)
    except SpecError as exc:
        errors.append(exc)
        return INVALID


def child_where(where: str, key: str) -> str:
    """The label of a field: `expect`, `targets.http.api`, `hypothesis H-1, check 2: expect.exit`."""
    if not where:
        return key
    if " " in where and ":" not in where:
        return f"{where}: {key}"
    return f"{where}.{key}"


def _expect(tp: Any, node: Node, where: str) -> SpecError:
    label = f"{where}: " if where else ""
    return SpecError(node.mark, f"{label}expected {describe(tp)}, got {_got(node)}")


def _bind(tp: Any, node: Node, errors: list[SpecError], where: str) -> Any:
    value = node.value
    if tp is Any:
        return node.plain()
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise _expect(tp, node, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _expect(tp, node, where)
    if tp is int or tp is float:
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return tp(value)
            except OverflowError:
                raise SpecError(node.mark, f"{where + ': ' if where else ''}{value} is too large") from None
        if tp is float and isinstance(value, float):
            return value
        if isinstance(value, str) and node.expanded:  # "${TIMEOUT:-30}"
            try:
                return tp(value)
            except ValueError:
                pass
        raise _expect(tp, node, where)
    if tp is dt.date:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise _expect(tp, node, where)
    if hasattr(tp, "bind") and isinstance(tp, type):
        try:
            return typing.cast(ValueType, tp).bind(node)
        except SpecError as exc:  # it may quote the value: quote what the spec wrote instead
            message = node.unexpand(exc.message)
            raise SpecError(exc.mark, f"{where}: {message}" if where else message) from None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return bind_dataclass(tp, node, errors, where)
    args = _union_args(tp)
    if args is not None:
        return _bind_union(tp, args, node, errors, where)
    origin = get_origin(tp)
    if origin is Literal:
        if value in get_args(tp) and not (isinstance(value, bool) and False not in get_args(tp)):
            return value
        hint = did_you_mean(str(value), [str(a) for a in get_args(tp)])
        raise SpecError(node.mark, f"{where + ': ' if where else ''}expected {describe(tp)}, "
                        f"got {_got(node)}{hint}")
    if origin is list:
        (item_tp,) = get_args(tp)
        items = value if isinstance(value, list) else None
        if items is None:
            if value is None or isinstance(value, dict):
                raise _expect(tp, node, where)
            single = _bind(item_tp, node, errors, where)  # a single value is a one-item list
            return INVALID if single is INVALID else [single]
        bound = [bind(item_tp, item, errors, where) for item in items]
        return INVALID if any(b is INVALID for b in bound) else bound
    if origin is dict:
        key_tp, value_tp = get_args(tp)
        if not isinstance(value, dict):
            raise _expect(tp, node, where)
        out = {k: bind(value_tp, v, errors, child_where(where, k)) for k, v in value.items()}
        return INVALID if any(v is INVALID for v in out.values()) else out
    raise TypeError(f"binder does not know type {tp!r}")  # a programming error, not a user's


def _bind_union(tp: Any, args: tuple[Any, ...], node: Node, errors: list[SpecError],
                where: str) -> Any:
    if node.value is None and type(None) in args:
        return None
    candidates = [a for a in args if a is not type(None)]
    attempts: list[list[SpecError]] = []
    for alt in candidates:
        trial: list[SpecError] = []
        result = bind(alt, node, trial, where)
        if not trial and result is not INVALID:
            return result
        attempts.append(trial)
    # A mapping given where one alternative is a dataclass: that alternative's errors say most.
    if isinstance(node.value, dict):
        for alt, trial in zip(candidates, attempts, strict=True):
            if dataclasses.is_dataclass(alt):
                errors.extend(trial)
                return INVALID
    if len(candidates) == 1:
        errors.extend(attempts[0])
        return INVALID
    # A value that looks like an attempt at one alternative (a bad count expression...).
    specific = [t for t in attempts if t and "expected" not in t[0].message]
    if specific:
        errors.extend(specific[0])
        return INVALID
    raise _expect(tp, node, where)


def bind_dataclass(cls: type[T], node: Node, errors: list[SpecError], where: str = "",
                   extra_keys: frozenset[str] = frozenset()) -> T:
    """Bind a mapping node to dataclass `cls`. `extra_keys` are allowed and left to the caller."""
    if not isinstance(node.value, dict):
        errors.append(_expect(cls, node, where))
        return typing.cast(T, INVALID)
    fields = _keyed(cls)
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    failed = False
    for key, child in node.value.items():
        f = fields.get(key)
        if f is None:
            if key in extra_keys:
                continue
            known = sorted(set(fields) | extra_keys)
            hint = did_you_mean(key, known)
            label = f"{where}: " if where else ""
            errors.append(SpecError(node.key_mark(key),
                                    f'{label}unknown field "{key}"{hint}; expected one of: '
                                    f'{", ".join(known)}'))
            failed = True
            continue
        value = bind(hints[f.name], child, errors, child_where(where, key))
        if value is INVALID:
            failed = True
        else:
            kwargs[f.name] = value
    unknown = [k for k in node.value if k not in fields and k not in extra_keys]
    for key, f in fields.items():
        if key not in node.value and is_required(f) and not did_you_mean(key, unknown):
            label = f"{where}: " if where else ""
            errors.append(SpecError(node.mark, f'{label}missing required field "{key}" '
                                               f"({describe(hints[f.name])})"))
            failed = True
    if failed:
        return typing.cast(T, INVALID)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:  # __post_init__ cross-field rules
        # "filter: ..." is about the field `filter`: point at its value
        named = node.get(str(exc).split(":", 1)[0]) if isinstance(node.value, dict) else None
        errors.append(SpecError(named.mark if named else node.mark,
                                f"{where + ': ' if where else ''}{node.unexpand(str(exc))}"))
        return typing.cast(T, INVALID)


# ---------------------------------------------------------------- JSON Schema


def json_schema(tp: Any) -> dict[str, Any]:
    """The JSON Schema of a bindable type."""
    if tp is Any:
        return {}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is dt.date:
        return {"type": "string", "format": "date"}
    if hasattr(tp, "json_schema") and isinstance(tp, type):
        return dict(typing.cast(ValueType, tp).json_schema())
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return dataclass_schema(tp)
    args = _union_args(tp)
    if args is not None:
        alts = [json_schema(a) if a is not type(None) else {"type": "null"} for a in args]
        return {"anyOf": alts}
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is list:
        item = json_schema(get_args(tp)[0])
        return {"anyOf": [{"type": "array", "items": item}, item]}
    if origin is dict:
        return {"type": "object", "additionalProperties": json_schema(get_args(tp)[1])}
    raise TypeError(f"no JSON Schema for {tp!r}")


def dataclass_schema(cls: type, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    hints = _hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        schema = json_schema(hints[f.name])
        if field_doc(f):
            schema["description"] = field_doc(f)
        props[yaml_key(f)] = schema
        if is_required(f):
            required.append(yaml_key(f))
    props.update(extra or {})
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    if required:
        out["required"] = required
    return out


def field_table(cls: type, prefix: str = "") -> list[tuple[str, str, bool, str]]:
    """(key, expected form, required?, doc) for every field, nested mappings flattened as
    `expect.exit`: what `certify explain` prints."""
    hints = _hints(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        tp = hints[f.name]
        key = prefix + yaml_key(f)
        rows.append((key, describe(tp), is_required(f), field_doc(f)))
        nested = [a for a in (_union_args(tp) or (tp,))
                  if dataclasses.is_dataclass(a) and not hasattr(a, "bind")]
        for sub in nested:
            rows += field_table(sub, prefix=f"{key}.")  # type: ignore[arg-type]
    return rows
