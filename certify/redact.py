"""The one place that knows what a secret looks like. Every writer passes through it.

Two nets: the values of variables the spec marks secret (and any other known secret
value, e.g. a DSN password) are replaced wherever they appear, also URL- and
JSON-escaped; and shapes that are secrets whatever their value (Authorization and
Cookie headers, `X-...-Key` headers, bearer tokens, passwords in URLs and DSNs,
`?access_token=` query parameters, JWTs, private keys, well-known token formats) are
masked. Redaction runs on the result data before rendering and again on every
rendered file, so escaping in one format cannot smuggle a value past it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
MASK = "***"

_SHAPES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
     "-----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY-----"),
    (re.compile(r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*['\"]?)(?:(bearer|basic|token|digest)\s+)?"
                r"[^\s'\",}\\]+"), lambda m: m.group(1) + (f"{m.group(2)} " if m.group(2) else "") + MASK),
    (re.compile(r"(?i)\b((?:set-)?cookie\s*[:=]\s*['\"]?)[^\n'\"\\]+"), r"\1" + MASK),
    (re.compile(r"(?i)\b(x-[a-z0-9-]*(?:key|token|secret|signature)\s*[:=]\s*['\"]?)[^\s'\",}\\]+"),
     r"\1" + MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1" + MASK),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@'\"\\]+):([^@\s/'\"\\]+)@"), r"\1:" + MASK + "@"),
    (re.compile(r"(?i)([?&;](?:access_token|id_token|refresh_token|token|api_key|apikey|key|"
                r"password|passwd|secret|client_secret|sig|signature|auth)=)[^&\s'\"#\\]+"),
     r"\1" + MASK),
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|api_key|apikey|token)\s*=\s*)"
                r"('[^']*'|\"[^\"]*\"|[^\s'\"&;\\]+)"), r"\1" + MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), r"\1" + MASK),
    (re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{30,}"), r"\1" + MASK),
    (re.compile(r"\b(xox[abprs]-)[A-Za-z0-9-]{10,}"), r"\1" + MASK),
    (re.compile(r"\b(sk_live_|rk_live_)[A-Za-z0-9]{10,}"), r"\1" + MASK),
]


class Redactor:
    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        """`secrets`: name -> value of every secret whose value is known."""
        self.values: list[tuple[str, str]] = []
        for name, value in (secrets or {}).items():
            self.add(name, value)

    @classmethod
    def for_names(cls, names: Iterable[str], env: Mapping[str, str] | None = None) -> Redactor:
        env = os.environ if env is None else env
        return cls({n: env[n] for n in names if env.get(n)})

    def add(self, name: str, value: str) -> None:
        if not value:
            return
        forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
                 json.dumps(value)[1:-1]}
        for form in forms:
            if form and (name, form) not in self.values:
                self.values.append((name, form))
        self.values.sort(key=lambda nv: -len(nv[1]))  # longest first: no partial leftovers

    def text(self, text: str, shapes: bool = True) -> str:
        """Redact known values and, unless `shapes` is false, secret-shaped text.

        Structured files (JSON, XML) are rendered from already-redacted data and get only
        the value pass afterwards: a shape pattern could cut through their escaping.
        """
        for name, value in self.values:
            if value in text:
                text = text.replace(value, f"[REDACTED:{name}]")
        if shapes:
            for rx, repl in _SHAPES:
                text = rx.sub(repl, text)
        return text

    def deep(self, obj: T) -> T:
        """A copy of `obj` (dataclasses, dicts, lists, strings) with every string redacted."""
        return self._deep(obj)  # type: ignore[no-any-return]

    def _deep(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {f.name: self._deep(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                       if f.init}
            return dataclasses.replace(obj, **changes)
        if isinstance(obj, dict):
            return {self._deep(k): self._deep(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self._deep(v) for v in obj)
        return obj
