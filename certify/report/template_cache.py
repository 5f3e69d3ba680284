"""Compiled templates kept between runs.

Compiling EVIDENCE.md's template takes longer than a one-check run takes to do everything else,
and the template changes only with certify. Jinja's own bytecode cache keeps the compiled code in
Jinja's private folder in the temp directory (made mode 0700, refused when another user owns it),
checked against the template's source on every load. The file's name also says which certify,
Jinja and environment settings compiled it, so another version or setting never reads it. A cache
that cannot be read or written is no cache: the template is compiled, as without one.
"""

from __future__ import annotations

import contextlib
import hashlib

import jinja2
from jinja2.bccache import Bucket

from certify import __version__


class _Quiet(jinja2.FileSystemBytecodeCache):
    """A bytecode cache whose failures are misses: the pack never depends on it."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged file (pickle and marshal fail many ways): compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _settings(env: jinja2.Environment) -> str:
    """What, besides the source, decides the code a template compiles to."""
    parts = (__version__, jinja2.__version__, env.block_start_string, env.block_end_string,
             env.variable_start_string, env.variable_end_string, env.comment_start_string,
             env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
             env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
             env.autoescape, env.optimized, env.is_async, sorted(env.extensions))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def bytecode_cache(env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """The cache for `env`'s templates, or None when no private folder can be had."""
    try:
        return _Quiet(None, f"certify-{_settings(env)}-%s.cache")
    except (OSError, RuntimeError):  # no temp directory, or one another user can write
        return None
