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
import functools
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
MASK = "***"

_Repl = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class _Shape:
    """A secret shape: the regex, its replacement, and literals one of which it cannot match without
    (checked on the lower-cased text first: most strings have none, and skip the regex, which is
    compiled when first needed)."""

    src: str
    flags: int
    repl: _Repl
    triggers: tuple[str, ...]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.src, self.flags)


def _shape(src: str, repl: _Repl, triggers: tuple[str, ...], ignore_case: bool = True) -> _Shape:
    return _Shape(src, (re.I if ignore_case else 0) | re.S, repl, triggers)


_SHAPES: list[_Shape] = [
    _shape(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
           "-----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY-----", ("private key",), False),
    _shape(r"\b((?:proxy-)?authorization\s*[:=]\s*['\"]?)(?:(bearer|basic|token|digest)\s+)?"
           r"(?!(?:bearer|basic|token|digest)\s)[^\s'\",}\\]+",
           lambda m: m.group(1) + (f"{m.group(2)} " if m.group(2) else "") + MASK, ("authorization",)),
    _shape(r"\b((?:set-)?cookie\s*[:=]\s*['\"]?)[^\n'\"\\]+", r"\1" + MASK, ("cookie",)),
    _shape(r"\b(x-[a-z0-9-]*(?:key|token|secret|signature)\s*[:=]\s*['\"]?)[^\s'\",}\\]+",
           r"\1" + MASK, ("x-",)),
    # Credential headers without an X- prefix (GitLab's Private-Token, Api-Key, Apikey).
    _shape(r"\b((?:api[-_]?key|private[-_]token)\s*:\s*['\"]?)[^\s'\",}\\]+", r"\1" + MASK,
           ("api-key", "api_key", "apikey", "private-token", "private_token")),
    _shape(r"\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}", r"\1" + MASK, ("bearer",)),
    _shape(r"\b([a-z][a-z0-9+.-]*://[^/\s:@'\"\\]+):([^@\s/'\"\\]+)@", r"\1:" + MASK + "@", ("://",)),
    _shape(r"([?&;](?:access_token|id_token|refresh_token|token|api_key|apikey|key|password|passwd|"
           r"secret|client_secret|sig|signature|auth)=)[^&\s'\"#\\]+", r"\1" + MASK,
           ("token=", "key=", "password=", "passwd=", "secret=", "sig=", "signature=", "auth=")),
    _shape(r"\b((?:password|passwd|pwd|secret|api_key|apikey|token)\s*=\s*)"
           r"('[^']*'|\"[^\"]*\"|[^\s'\"&;\\]+)", r"\1" + MASK,
           ("password", "passwd", "pwd", "secret", "api_key", "apikey", "token")),
    _shape(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", MASK, ("eyj",), False),
    _shape(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", r"\1" + MASK, ("akia", "asia"), False),
    _shape(r"\b(gh[pousr]_)[A-Za-z0-9]{30,}", r"\1" + MASK, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
           False),
    _shape(r"\b(xox[abprs]-)[A-Za-z0-9-]{10,}", r"\1" + MASK, ("xox",), False),
    _shape(r"\b(sk_live_|rk_live_)[A-Za-z0-9]{10,}", r"\1" + MASK, ("sk_live_", "rk_live_"), False),
]

# Text no output format can hold: lone surrogates (undecodable file names, os.fsdecode) and
# control characters XML forbids. They become U+FFFD, so no writer crashes on them.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Searched in the lower-cased text: a case-sensitive literal alternation is ten times faster.
_ANY_TRIGGER = re.compile("|".join(re.escape(t) for s in _SHAPES for t in s.triggers))
# From this length on, the shapes' own substring tests beat one pass of the alternation (a
# 15 MB findings file: 0.3 s instead of 0.6-0.9 s).
LONG_TEXT = 4096


_URI_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://([^:@]*):(.*)@", re.I | re.S)  # greedy: to the LAST @
_KEYWORD_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*", re.I)
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&#]*)", re.I)
_NEXT_KEYWORD = re.compile(r"\s+[A-Za-z_][A-Za-z0-9_]*\s*=")
MIN_PIECE = 4  # a fragment of a password shorter than this is not redacted on its own


def dsn_passwords(dsn: str) -> list[str]:
    """Every form the password of a DSN may take in an error message, found without parsing it
    (libpq echoes what it cannot parse: `invalid percent-encoded token: "s3cr%t"`). A URI's
    password is everything between `user:` and the last `@` of the authority; a keyword DSN's
    runs from `password=` to the next ` key=` (quoted or not, its quotes closed or not). Each is
    given raw and percent-decoded, whole and cut where libpq might cut it (at an `@`, at a space)."""
    found: list[str] = []
    uri = _URI_USERINFO.match(dsn)
    if uri:
        found.append(uri.group(2))
        authority = dsn[uri.start(2):].split("/", 1)[0]
        if "@" in authority:  # a query holding an @ moved the last @ past the authority
            found.append(authority.rsplit("@", 1)[0])
    found += _QUERY_PASSWORD.findall(dsn)
    for m in _KEYWORD_PASSWORD.finditer(dsn):
        rest = dsn[m.end():]
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            end = re.search(rf"(?<!\\){quote}", rest[1:])
            found.append(rest[1:end.start() + 1] if end else rest[1:])
            if end is None:
                found.append(rest)
        else:
            nxt = _NEXT_KEYWORD.search(rest)
            found.append((rest[:nxt.start()] if nxt else rest).rstrip())
    out: list[str] = []
    for value in found:
        for form in (value, urllib.parse.unquote(value), value.replace("\\'", "'").replace('\\"', '"')):
            pieces = [form, *re.split(r"[@\s]+", form)]
            out += [p for p in pieces if len(p) >= MIN_PIECE or (p == form and p)]
    return list(dict.fromkeys(out))


class Redactor:
    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        """`secrets`: name -> value of every secret whose value is known."""
        self.values: list[tuple[str, str]] = []
        self.env_names: set[str] = set()  # names that are environment variables a reader can set
        for name, value in (secrets or {}).items():
            self.add(name, value)

    @classmethod
    def for_names(cls, names: Iterable[str], env: Mapping[str, str] | None = None) -> Redactor:
        env = os.environ if env is None else env
        out = cls()
        for n in names:
            out.add(n, env.get(n, ""), variable=True)
        return out

    def add(self, name: str, value: str, variable: bool = False) -> None:
        """Redact `value` as `name`; `variable`: `name` is the environment variable holding it."""
        if not value:
            return
        if variable:
            self.env_names.add(name)
        forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
                 json.dumps(value)[1:-1]}
        for form in forms:
            if form and (name, form) not in self.values:
                self.values.append((name, form))
        self.values.sort(key=lambda nv: -len(nv[1]))  # longest first: no partial leftovers

    def command(self, line: str) -> str:
        """A reproduce line, pasteable: the value of a secret environment variable becomes a
        reference to the variable (`"$API_TOKEN"`, closing and reopening a single-quoted word
        around it), then everything else is redacted as text."""
        for name, value in self.values:
            if name not in self.env_names or value not in line:
                continue
            out, i, quoted = [], 0, False
            while i < len(line):
                if line.startswith(value, i):
                    out.append(f"'\"${name}\"'" if quoted else f'"${name}"')
                    i += len(value)
                    continue
                if line[i] == "'":
                    quoted = not quoted
                out.append(line[i])
                i += 1
            line = "".join(out)
        return self.text(line)

    def text(self, text: str, shapes: bool = True) -> str:
        """Redact known values and, unless `shapes` is false, secret-shaped text.

        Structured files (JSON, XML) are rendered from already-redacted data and get only
        the value pass afterwards: a shape pattern could cut through their escaping.
        Characters no output can hold become U+FFFD.
        """
        text = _UNWRITABLE.sub("\ufffd", text)
        for name, value in self.values:
            if value in text:
                text = text.replace(value, f"[REDACTED:{name}]")
        low = text.lower() if shapes else ""
        if shapes and (len(low) >= LONG_TEXT or _ANY_TRIGGER.search(low)):
            for shape in _SHAPES:
                if any(t in low for t in shape.triggers):
                    text = shape.pattern.sub(shape.repl, text)
        return text

    def deep(self, obj: T) -> T:
        """A copy of `obj` (dataclasses, dicts, lists, strings) with every string redacted."""
        return self._deep(obj)  # type: ignore[no-any-return]

    def _deep(self, obj: Any) -> Any:
        """Like deep(), returning the very same object wherever nothing changed (cheap to tell)."""
        if isinstance(obj, str):
            out = self.text(obj)
            return obj if out == obj else out
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {}
            for f in dataclasses.fields(obj):
                old = getattr(obj, f.name)
                if f.name == "reproduce" and isinstance(old, str):  # a shell line: keep it pasteable
                    new = self.command(old)
                    new = old if new == old else new
                else:
                    new = self._deep(old)
                if f.init and new is not old:
                    changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        if isinstance(obj, dict):
            items = [(self._deep(k), self._deep(v)) for k, v in obj.items()]
            if all(nk is k and nv is v for (nk, nv), (k, v) in zip(items, obj.items(), strict=True)):
                return obj
            return dict(items)
        if isinstance(obj, list | tuple):
            values = [self._deep(v) for v in obj]
            if all(n is o for n, o in zip(values, obj, strict=True)):
                return obj
            return type(obj)(values)
        return obj
