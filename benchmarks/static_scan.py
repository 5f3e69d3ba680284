#!/usr/bin/env python3
"""Benchmark: `certify run` with `grep` invariants against one ripgrep pass, at repository scale.

What it measures
----------------
A spec with K hypotheses, each backed by one ``grep`` check (``expect: none``), is run by
``certify run`` (the whole process: start, spec, scan, verdicts, the evidence pack) over a
generated source tree. The peer is what a person would type to answer the same question with
one tool, its output read to the end through a pipe::

    rg -n --no-require-git -e P1 ... -e PK <tree>

in its fastest honest form: the patterns as written, or with ``\b`` written ``(?-u:\b)``
(Unicode word boundaries make ripgrep's combined pass several times slower), whichever is faster
among those printing as many lines as the patterns as written.

Modes (``--mode``):

- ``20k`` (default): 20,000 files, 200 MiB, K = 100;
- ``4k``: 4,000 files, 107 MiB (112 MB), K = 40;
- ``dense``: the 4k tree and spec plus one claim about 120,000 lines violate: what a claim
  with very many violations costs (the pack lists the first findings and writes every one
  into a findings file).

Each contender runs once to warm up, then ``--runs`` times (default 3), interleaved so both
see the same machine. Printed: min and median wall seconds, median CPU seconds (the process
and everything it waited for), the ratio certify/peer, the ``-j`` certify ran with.

It also checks that certify is right: for every pattern, the number of lines ripgrep finds
(``rg -c --no-require-git -e P``, summed over files) must equal the number of findings certify
reports for that hypothesis (``results.json``: ``findings_total`` when the pack capped the
list, and ``values.matches``). Mismatches are printed with example ``path:line`` locations
(read from the findings file when capped), and make the script exit 1.

The tree
--------
Generated deterministically from ``--seed`` into ``benchmarks/.work/tree-<files>/`` and kept
for later runs with the same parameters (a stamp file next to it records them; ``--remove-tree``
deletes it at the end). It holds Python, JavaScript/TypeScript, YAML, SQL, JSON, Markdown and
shell files in nested directories, lines of 40-120 characters, a few non-ASCII characters, and
planted matches for the patterns (tens to a few thousand lines each; two patterns match
nothing). A ``.gitignore`` ignores ``node_modules/``, which holds planted matches too: those
must not be counted. The tree is ``git init``-ed (no commit) so both tools apply the
``.gitignore`` the same way. The spec and certify's packs live in a temporary folder, removed
at the end.

How to run
----------
Standard library only (Python 3.11); needs ``rg`` and the ``certify`` executable
(next to ``sys.executable`` or on PATH)::

    python benchmarks/static_scan.py                          # 20k files, 200 MiB, 100 patterns
    python benchmarks/static_scan.py --mode 4k                # 4,000 files, 40 patterns
    python benchmarks/static_scan.py --mode dense             # + one claim with ~120,000 violations
    python benchmarks/static_scan.py --files 500 --mb 5       # quick
    python benchmarks/static_scan.py --rg-only                # generate + time rg only

Exit status: 0 all counts agree, 1 a mismatch or a certify check that errored,
2 bad usage or a tool missing or crashing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
GENERATOR_VERSION = 3  # bump when the generated content changes
MIB = 1 << 20
IGNORED_DIR = "node_modules"
IGNORED_SHARE = 0.05  # share of files placed under the ignored directory


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Pattern:
    """A repository invariant: a regex (valid for Python `re` and Rust `regex`),
    lines that match it (planted into the tree), and how many lines to plant."""

    name: str
    regex: str
    examples: tuple[str, ...]
    plants: int  # lines planted outside the ignored directory; 0 = must match nothing


def _p(name: str, regex: str, plants: int, *examples: str) -> Pattern:
    return Pattern(name, regex, tuple(examples), plants)


GH_TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
# The first ten are a varied sample for `--patterns 10`, including one pattern
# that matches nothing and three with anchors or a leading dash.
PATTERNS: tuple[Pattern, ...] = (
    _p("aws-access-key", r"AKIA[0-9A-Z]{16}", 40,
       'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"', "aws_key: AKIAZ3MEXAMPLEKEY42Q"),
    _p("hardcoded-password", r"""password\s*=\s*["']""", 120,
       '    password = "hunter2-change-me"', "db_password='s3cr3t'  # local only"),
    _p("todo-owner", r"TODO\(\w+\)", 2200,
       "    # TODO(alice): remove once the backfill has run everywhere",
       "  // TODO(bob): handle the empty page case", "# TODO(ops_team) rotate"),
    _p("php-eval-base64", r"eval\(base64_decode\(", 0),
    _p("console-log", r"console\.log\(", 3000,
       "    console.log('payload', payload);", "  console.log(`retry ${attempt}`);"),
    _p("fastapi-route", r'@app\.(get|post|put|delete|patch)\("/[a-z_/{}]+"', 400,
       '@app.get("/tenants/{tenant_id}/twins")', '@app.post("/backfill")',
       '@app.delete("/sessions/{session_id}")'),
    _p("star-import", r"^from\s+\S+\s+import\s+\*", 150,
       "from .models import *", "from app.schemas.common import *  # noqa: F403"),
    _p("bare-except", r"except\s*:\s*$", 300, "    except:", "        except :"),
    _p("private-key-block", r"-----BEGIN (RSA|EC|OPENSSH) PRIVATE KEY-----", 6,
       "-----BEGIN RSA PRIVATE KEY-----", "    -----BEGIN OPENSSH PRIVATE KEY-----"),
    _p("ownership-check", r"verify_\w+_ownership\(", 900,
       "    await verify_twin_ownership(db, twin_id, user)",
       "    verify_tenant_ownership(session, tenant_id, current_user)"),
    # secrets
    _p("github-token", r"ghp_[A-Za-z0-9]{36}", 12, f'GITHUB_TOKEN = "{GH_TOKEN}"'),
    _p("slack-token", r"xox[baprs]-[0-9A-Za-z-]{10,}", 15,
       'SLACK_TOKEN = "xoxb-1234567890-abcdefABCDEF"'),
    _p("stripe-live-key", r"sk_live_[0-9a-zA-Z]{24}", 8,
       'stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"'),
    _p("api-key-literal", r"""(?i)api[_-]?key\s*[:=]\s*["'][A-Za-z0-9]{16,}["']""", 60,
       'API_KEY = "a8f5f167f44f4964e6c998dee827110c"', "  apiKey: 'Zx81kLmN0pQrStUv22'"),
    _p("bearer-literal", r"Authorization:\s*Bearer\s+[A-Za-z0-9._-]+", 45,
       '    curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" "$URL"'),
    _p("jwt-no-verify", r"""jwt\.decode\([^)]*verify_signature["']?\s*:\s*False""", 10,
       '    claims = jwt.decode(token, options={"verify_signature": False})'),
    _p("tls-verify-off", r"verify\s*=\s*False", 70,
       "    resp = requests.get(url, verify=False, timeout=5)"),
    _p("set-cookie-header", r"(?i)set-cookie:", 35,
       "    # Set-Cookie: session=abc; HttpOnly", '    "set-cookie: sid=1; Secure",'),
    _p("env-secret-fallback", r"""process\.env\.[A-Z_]+\s*\|\|\s*["']""", 90,
       "const secret = process.env.JWT_SECRET || 'dev-secret';"),
    _p("token-in-localstorage", r"""localStorage\.setItem\(["']token""", 25,
       "  localStorage.setItem('token', res.data.accessToken);"),
    # unsafe code
    _p("import-pickle", r"import\s+pickle", 55, "import pickle", "    import  pickle as pk"),
    _p("pickle-load", r"pickle\.loads?\(", 80,
       "    obj = pickle.loads(blob)", "    state = pickle.load(fh)"),
    _p("yaml-load", r"yaml\.load\(", 40, "    cfg = yaml.load(fh, Loader=yaml.Loader)"),
    _p("shell-true", r"subprocess\.\w+\([^)]*shell\s*=\s*True", 65,
       "    subprocess.run(cmd, shell=True, check=True)",
       "    out = subprocess.check_output(f'ls {path}', shell = True)"),
    _p("python-eval", r"\beval\(", 50, "    value = eval(expr)"),
    _p("python-exec", r"\bexec\(", 20, "    exec(code, namespace)"),
    _p("os-system", r"os\.system\(", 30, '    os.system("rm -rf " + tmpdir)'),
    _p("weak-hash", r"hashlib\.(md5|sha1)\(", 110,
       "    digest = hashlib.md5(data).hexdigest()", "    h = hashlib.sha1(key.encode())"),
    _p("insecure-random", r"random\.random\(\)", 140, "    jitter = random.random() * 0.5"),
    _p("js-random", r"Math\.random\(\)", 160,
       "  const id = Math.random().toString(36).slice(2);"),
    _p("new-function", r"new Function\(", 8, "  const fn = new Function('a', 'b', body);"),
    _p("settimeout-string", r"""setTimeout\(["']""", 12, "  setTimeout('refresh()', 1000);"),
    _p("inner-html", r"innerHTML\s*=", 75, "  el.innerHTML = template(data);"),
    _p("dangerous-html", r"dangerouslySetInnerHTML", 30,
       "      <div dangerouslySetInnerHTML={{ __html: body }} />"),
    _p("document-write", r"document\.write\(", 10, "  document.write(banner);"),
    _p("js-debugger", r"debugger;", 25, "    debugger;"),
    _p("empty-catch", r"catch\s*\(\w*\)\s*\{\s*\}", 85,
       "  } catch (e) {}", "  } catch (err) { }"),
    _p("loose-null", r"==\s*null\b", 200, "  if (value == null) return fallback;"),
    _p("js-var", r"\bvar\s+\w+\s*=", 600, "  var self = this;", "var total = 0;"),
    _p("sql-fstring", r"""execute\(\s*f["']""", 45,
       '    cur.execute(f"SELECT * FROM users WHERE id = {user_id}")'),
    _p("select-star", r"(?i)select\s+\*\s+from\s+\w+", 700,
       "SELECT * FROM tenants WHERE id = $1;", "    q = 'select * from audit_log'"),
    _p("format-request", r"\.format\(\s*request\.", 18,
       '    msg = "hello {}".format(request.args["name"])'),
    # debug / hygiene
    _p("debug-true", r"DEBUG\s*=\s*True", 25, "DEBUG = True"),
    _p("allowed-hosts-star", r"""ALLOWED_HOSTS\s*=\s*\[\s*["']\*["']""", 6,
       "ALLOWED_HOSTS = ['*']"),
    _p("cors-allow-all", r"CORS_ORIGIN_ALLOW_ALL\s*=\s*True", 4, "CORS_ORIGIN_ALLOW_ALL = True"),
    _p("debug-print", r"""\bprint\(f?["']DEBUG""", 130,
       '    print(f"DEBUG {payload!r}")', "    print('DEBUG: entering loop')"),
    _p("fixme", r"FIXME", 500, "    # FIXME: this is quadratic", "  // FIXME handle retries"),
    _p("xxx-marker", r"XXX:", 90, "    # XXX: temporary until v2 ships"),
    _p("hack-marker", r"HACK\b", 60, "    # HACK to work around the SDK bug"),
    _p("noqa", r"# noqa\b", 2500, "import os  # noqa: F401", "    x = y  # noqa"),
    _p("type-ignore", r"# type:\s*ignore", 1800,
       "    return cast(Any, value)  # type: ignore[no-any-return]",
       "from legacy import thing  # type: ignore"),
    _p("no-cover", r"# pragma: no cover", 700, "    if TYPE_CHECKING:  # pragma: no cover"),
    _p("pytest-skip", r"@pytest\.mark\.skip\b", 160,
       '@pytest.mark.skip(reason="flaky on CI")'),
    _p("unittest-skip", r"@unittest\.skip", 25, '    @unittest.skip("needs network")'),
    _p("sleep-literal", r"time\.sleep\(\d+\)", 220, "        time.sleep(5)"),
    _p("utcnow", r"datetime\.utcnow\(\)", 450, "    created_at = datetime.utcnow()"),
    _p("naive-now", r"datetime\.now\(\)", 380, "    started = datetime.now()"),
    _p("requests-call", r"requests\.(get|post|put|delete)\(", 520,
       "    resp = requests.post(url, json=body)", "    r = requests.get(f'{base}/health')"),
    _p("logging-basicconfig", r"logging\.basicConfig\(", 45,
       "logging.basicConfig(level=logging.INFO)"),
    _p("log-secret", r"logger\.(debug|info)\([^)]*password", 14,
       '    logger.debug("login attempt user=%s password=%s", user, pw)'),
    _p("deprecated", r"@Deprecated|@deprecated", 95,
       "@deprecated('use fetch_account_v2')", " * @deprecated since 3.2"),
    _p("warn-deprecated", r"""warnings\.warn\(["'][^"']*deprecated""", 40,
       '    warnings.warn("this helper is deprecated", DeprecationWarning)'),
    _p("assert-eq", r"assert\s+\w+\s*==\s*\w+", 1600,
       "    assert status == expected", "    assert count==total"),
    _p("os-environ-index", r"""os\.environ\[["']\w+["']\]""", 1400,
       '    url = os.environ["DATABASE_URL"]', "    region = os.environ['GCP_REGION']"),
    _p("getenv-default", r"""os\.getenv\(["']\w+["']\s*,\s*["'][^"']+["']\)""", 650,
       '    port = os.getenv("PORT", "8080")'),
    _p("tenant-none", r"tenant_id\s*=\s*None", 240,
       "    tenant_id = None", "def lookup(key, tenant_id=None):"),
    # routes and auth
    _p("router-id-route", r"""@router\.(get|post)\("/[a-z_/{}]*\{\w+_id\}""", 350,
       '@router.get("/twins/{twin_id}")', '@router.post("/tenants/{tenant_id}/jobs")'),
    _p("depends-current-user", r"Depends\(get_current_user\)", 800,
       "    user: User = Depends(get_current_user),"),
    _p("login-required", r"@login_required", 120, "@login_required"),
    _p("csrf-exempt", r"@csrf_exempt", 9, "@csrf_exempt"),
    _p("express-api-route", r"""app\.(use|get|post)\(['"]/api/""", 260,
       "app.get('/api/v1/orders', listOrders);", 'app.use("/api/v2", apiRouter);'),
    _p("express-router", r"""router\.(get|post|put|delete)\(['"]/""", 420,
       "router.get('/:id', auth, getItem);"),
    _p("express-5xx", r"res\.status\(5\d\d\)", 150,
       "    return res.status(500).json({ error: 'internal' });"),
    _p("invoker-audience", r"\bINVOKER_TOKEN_AUDIENCE\b", 20,
       '    audience = os.getenv("INVOKER_TOKEN_AUDIENCE")'),
    _p("run-invoker-role", r"roles/run\.invoker", 16, "  role: roles/run.invoker"),
    _p("all-users", r"allUsers", 5, "  member: allUsers"),
    # network
    _p("localhost-url", r"http://(?:localhost|127\.0\.0\.1)(?::\d+)?", 900,
       'BASE_URL = "http://localhost:8000"', "  url: http://127.0.0.1:18000/health"),
    _p("plain-http-url", r"http://[a-z0-9.-]+\.(com|net|org|io)", 300,
       "    # see http://docs.example.com/guide", '  "homepage": "http://lodash.com/",'),
    _p("ipv4-literal", r"\b(?:\d{1,3}\.){3}\d{1,3}\b", 260,
       '    HOST = "10.20.30.40"', "  - 192.168.1.10"),
    _p("example-email", r"[a-zA-Z0-9._%+-]+@example\.com", 330,
       '    email = "jane.doe@example.com"'),
    _p("open-cidr", r"0\.0\.0\.0/0", 18, "  cidr_blocks = [\"0.0.0.0/0\"]"),
    # database
    _p("security-definer", r"SECURITY DEFINER", 70,
       "CREATE FUNCTION app.tenant_ids() RETURNS SETOF uuid LANGUAGE sql SECURITY DEFINER"),
    _p("grant-all", r"(?i)grant\s+all\s+on", 30,
       "GRANT ALL ON ALL TABLES IN SCHEMA public TO app;"),
    _p("create-policy", r"CREATE\s+POLICY\s+\w+", 220,
       "CREATE POLICY tenant_isolation ON public.jobs"),
    _p("enable-rls",
       r"ALTER\s+TABLE\s+\w+(\.\w+)?\s+ENABLE\s+ROW\s+LEVEL\s+SECURITY", 210,
       "ALTER TABLE public.jobs ENABLE ROW LEVEL SECURITY;"),
    _p("current-setting", r"current_setting\('app\.\w+'", 240,
       "  USING (tenant_id = current_setting('app.current_tenant_id')::uuid);"),
    _p("set-search-path", r"SET\s+search_path", 55, "SET search_path = pg_catalog, public;"),
    _p("drop-table", r"DROP\s+TABLE\s+(IF\s+EXISTS\s+)?\w+", 110,
       "DROP TABLE IF EXISTS staging_rows;", "DROP TABLE legacy_events;"),
    _p("truncate", r"TRUNCATE\s+\w+", 20, "TRUNCATE audit_tmp;"),
    _p("drop-database", r"\bDROP\s+DATABASE\b", 0),
    # deploy
    _p("latest-image", r"image:\s*[\w./-]+:latest", 95,
       "        image: gcr.io/acme/api:latest"),
    _p("run-as-root", r"runAsUser:\s*0\b", 12, "          runAsUser: 0"),
    _p("privileged", r"privileged:\s*true", 14, "          privileged: true"),
    _p("host-network", r"hostNetwork:\s*true", 6, "      hostNetwork: true"),
    _p("from-latest", r"(?i)FROM\s+[\w./-]+:latest", 30, "FROM python:latest"),
    _p("curl-pipe-sh", r"curl\s+[^|]*\|\s*(ba)?sh", 22,
       "RUN curl -fsSL https://get.example.sh | bash"),
    _p("chmod-777", r"chmod\s+777", 11, "RUN chmod 777 /app/data"),
    _p("sudo", r"\bsudo\s+\w+", 40, "sudo systemctl restart api"),
    _p("unsafe-perm", r"npm install\s+--unsafe-perm", 3, "RUN npm install --unsafe-perm"),
    _p("caret-dependency", r'"[\w@/.-]+":\s*"\^\d+', 1100,
       '    "lodash": "^4.17.21",', '    "@types/node": "^20.11.5",'),
)
assert len(PATTERNS) == 100, len(PATTERNS)
# The dense mode's extra claim: plants nothing, matches ~3% of the generated lines (Python's
# logger.warning and raise ValueError lines, JavaScript's throw new Error ones).
DENSE = _p("warn-or-raise", r"(logger\.warning|raise ValueError|throw new Error)\(", 0,
           '    logger.warning("retry: %s", job)', '    raise ValueError(f"bad: {x!r}")',
           "  throw new Error(`gone`);")


def validate_patterns(patterns: Sequence[Pattern]) -> None:
    """Fail early if an example does not match its own pattern."""
    for p in patterns:
        rx = re.compile(p.regex)
        for ex in p.examples:
            if not rx.search(ex):
                raise SystemExit(f"pattern {p.name}: example does not match: {ex!r}")
        if p.plants and not p.examples:
            raise SystemExit(f"pattern {p.name}: plants without examples")


# ----------------------------------------------------------------------- tree content


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOUNS = _words("user account tenant order invoice session cache config request response "
         "payload item record event job worker queue batch report metric schedule "
         "backfill twin device sensor reading asset policy role audit ledger entry "
         "snapshot region bucket message channel profile widget")
VERBS = _words("get load fetch build parse render compute update create remove sync resolve "
         "validate normalize encode decode merge apply publish collect flush refresh "
         "list count")
ADJS = _words("active pending stale primary default current remote local cached raw next")
WORDS = _words("the a value is computed once per request and cached for later calls so that "
         "we never hit the database twice when tenant data changes upstream keep this "
         "in sync with migrations because worker retries can reorder events note that "
         "empty pages are valid results see issue tracker for details ok")
# Only in Markdown prose, about one line in 300 (so roughly a third of the Markdown
# files hold one). Kept rare on purpose: on a buffer with non-ASCII text, a
# Unicode-aware `\b` makes ripgrep's lazy DFA give up on the combined regex and
# fall back to a far slower engine (seen: 60x slower when every comment had one).
NON_ASCII = ("naïve", "café", "déjà-vu", "—", "→", "ü")
NON_ASCII_RATE = 1 / 300
PY_MODULES = _words("os json typing dataclasses collections itertools functools pathlib "
              "logging asyncio uuid decimal contextlib enum")
TYPES = _words("int str bool float bytes Any Mapping Sequence")
SQL_TYPES = _words("uuid text integer bigint timestamptz jsonb boolean")
EXTENSIONS = (("py", 40), ("js", 18), ("ts", 12), ("yaml", 10), ("md", 7), ("sql", 6),
              ("json", 4), ("sh", 3))
TOP_DIRS = ("services", "web", "deploy", "docs", "db", "libs", "tools", "tests")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


class LineMaker:
    """Makes plausible source lines for one language, from a seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.makers: dict[str, Callable[[], str]] = {
            "py": self.python, "js": self.javascript, "ts": self.javascript,
            "yaml": self.yaml, "sql": self.sql, "json": self.json,
            "md": self.markdown, "sh": self.shell}

    def sentence(self, n: int | None = None, non_ascii: bool = False) -> str:
        words = self.r.choices(WORDS, k=n or self.r.randint(4, 12))
        if non_ascii:
            words[self.r.randrange(len(words))] = self.r.choice(NON_ASCII)
        return " ".join(words)

    def ident(self) -> str:
        r = self.r
        return f"{r.choice(VERBS)}_{r.choice(NOUNS)}"

    def indent(self) -> str:
        return " " * (4 * self.r.randint(0, 3))

    def python(self) -> str:
        r, s = self.r, self.ident
        n, v, ind = r.choice(NOUNS), r.choice(NOUNS), self.indent()
        k = r.randrange(12)
        if k == 0:
            return f"{ind}{n} = {s()}({v}, {r.randint(0, 999)})"
        if k == 1:
            return f"{ind}def {s()}(self, {n}: {r.choice(TYPES)}, {v}: int = 0) -> None:"
        if k == 2:
            return f"{ind}return {n}.{s()}({v})"
        if k == 3:
            return f"{ind}# {self.sentence()}"
        if k == 4:
            return f"{ind}if {n} is not None and len({v}_list) > {r.randint(1, 99)}:"
        if k == 5:
            return f"{ind}for {n} in self.{v}s:"
        if k == 6:
            return f'{ind}logger.warning("{self.sentence(5)}: %s", {n})'
        if k == 7:
            return f'{ind}raise ValueError(f"{self.sentence(4)}: {{{n}!r}}")'
        if k == 8:
            return f"{ind}{n}_by_{v}: dict[str, {r.choice(TYPES)}] = {{}}"
        if k == 9:
            return f"from {r.choice(PY_MODULES)} import {_cap(n)}{_cap(v)}"
        if k == 10:
            return f"class {_cap(r.choice(ADJS))}{_cap(n)}{_cap(v)}(Base{_cap(v)}):"
        return f"{ind}self.{n}_{v} = {v}.{s()}() or {r.random():.3f}"

    def javascript(self) -> str:
        r = self.r
        n, v, ind = r.choice(NOUNS), r.choice(NOUNS), self.indent()
        fn = f"{r.choice(VERBS)}{_cap(n)}"
        k = r.randrange(9)
        if k == 0:
            return f"{ind}const {n} = await {fn}({v}, {{ limit: {r.randint(1, 500)} }});"
        if k == 1:
            return f"{ind}let {n}s = {v}s.filter((x) => x.{n}Id !== undefined);"
        if k == 2:
            return f"{ind}return {n}s.map((x) => ({{ ...x, {v}: x.{v} ?? null }}));"
        if k == 3:
            return f"{ind}// {self.sentence()}"
        if k == 4:
            return f"export async function {fn}({n}, {v}) {{"
        if k == 5:
            return f"{ind}if ({n} === undefined || {n}.length === 0) {{"
        if k == 6:
            return f"{ind}}}"
        if k == 7:
            return f"import {{ {_cap(n)}{_cap(v)} }} from './{n}/{r.choice(VERBS)}';"
        return f"{ind}throw new Error(`{self.sentence(5)}`);"

    def yaml(self) -> str:
        r = self.r
        n, ind = r.choice(NOUNS), " " * (2 * r.randint(0, 4))
        k = r.randrange(5)
        if k == 0:
            return f"{ind}{n}_{r.choice(ADJS)}: {r.randint(0, 9999)}"
        if k == 1:
            return f"{ind}- name: {n}-{r.choice(ADJS)}"
        if k == 2:
            ver = f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}"
            return f"{ind}image: registry.example.org/{n}:{ver}"
        if k == 3:
            return f"{ind}# {self.sentence()}"
        return f"{ind}{n}: {self.sentence(3)}"

    def sql(self) -> str:
        r = self.r
        n, v = r.choice(NOUNS), r.choice(NOUNS)
        k = r.randrange(5)
        if k == 0:
            return f"SELECT {n}_id, {v}_at FROM app.{n}s WHERE {v}_id = ${r.randint(1, 5)};"
        if k == 1:
            return f"    {n}_{v} {r.choice(SQL_TYPES)} NOT NULL,"
        if k == 2:
            return f"CREATE INDEX IF NOT EXISTS {n}s_{v}_idx ON app.{n}s ({v}_id);"
        if k == 3:
            return f"-- {self.sentence()}"
        return f"UPDATE app.{n}s SET {v}_count = {v}_count + 1 WHERE id = ${r.randint(1, 5)};"

    def json(self) -> str:
        r = self.r
        return f'    "{r.choice(NOUNS)}_{r.choice(ADJS)}": "{self.sentence(r.randint(2, 8))}",'

    def markdown(self) -> str:
        k = self.r.randrange(4)
        if k == 0:
            return f"## {_cap(self.sentence(4))}"
        if k == 1:
            return f"- {self.sentence()}"
        non_ascii = self.r.random() < NON_ASCII_RATE
        return _cap(self.sentence(self.r.randint(8, 18), non_ascii)) + "."

    def shell(self) -> str:
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return f"apt-get install -y --no-install-recommends lib{r.choice(NOUNS)}-dev"
        if k == 1:
            return f'echo "{self.sentence(5)}"'
        if k == 2:
            return f"cp -r ./{r.choice(NOUNS)}/ /srv/app/{r.choice(NOUNS)}/"
        return f"# {self.sentence()}"

    COMMENT = {"py": "  # ", "js": "  // ", "ts": "  // ", "yaml": "  # ", "sql": "  -- ",
               "sh": "  # ", "md": " ", "json": ""}

    def line(self, ext: str) -> str:
        """One line of `ext`, lengthened with a trailing comment to 40-120 chars."""
        text = self.makers[ext]()
        want = self.r.randint(40, 120)
        tail = self.COMMENT[ext]
        if tail and len(text) < want:
            text += tail + self.sentence(2)
            while len(text) < want:
                text += " " + self.r.choice(WORDS)
        return text


# -------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class TreeParams:
    files: int
    mb: float
    seed: int

    def stamp(self) -> dict[str, object]:
        return {"files": self.files, "mb": self.mb, "seed": self.seed,
                "generator": GENERATOR_VERSION,
                "patterns": [p.regex for p in PATTERNS]}


@dataclass(frozen=True)
class FilePlan:
    path: str
    ext: str
    size: int
    ignored: bool


def plan_files(params: TreeParams, rng: random.Random) -> list[FilePlan]:
    """Paths, languages and target sizes (lognormal, summing to about `mb` MiB)."""
    n_ignored = max(1, int(params.files * IGNORED_SHARE))
    exts = [e for e, _ in EXTENSIONS]
    weights = [w for _, w in EXTENSIONS]
    sizes = [rng.lognormvariate(0.0, 0.8) for _ in range(params.files)]
    scale = params.mb * MIB / sum(sizes)
    plans: list[FilePlan] = []
    for i in range(params.files):
        ignored = i < n_ignored
        if ignored:
            ext = "js"
            dirs = [IGNORED_DIR, f"{rng.choice(NOUNS)}-{rng.choice(VERBS)}",
                    rng.choice(("lib", "dist", "src"))]
        else:
            ext = rng.choices(exts, weights)[0]
            dirs = [rng.choice(TOP_DIRS)] + [rng.choice(NOUNS) for _ in range(rng.randint(1, 4))]
        name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{i}.{ext}"
        plans.append(FilePlan("/".join(dirs + [name]), ext, max(200, int(sizes[i] * scale)),
                              ignored))
    return plans


def plan_plants(plans: Sequence[FilePlan], rng: random.Random) -> dict[int, list[str]]:
    """Which planted lines go into which file. `Pattern.plants` is for 20,000 files
    and scales with the tree (at least one). Each pattern also gets a tenth of that
    (at least one) in ignored files, which must not be counted."""
    counted = [i for i, f in enumerate(plans) if not f.ignored]
    ignored = [i for i, f in enumerate(plans) if f.ignored]
    scale = len(plans) / 20_000
    plants: dict[int, list[str]] = {}
    for p in PATTERNS:
        if not p.plants:
            continue
        n = max(1, round(p.plants * scale))
        for pool, k in ((counted, n), (ignored, max(1, n // 10))):
            for _ in range(k):
                plants.setdefault(rng.choice(pool), []).append(rng.choice(p.examples))
    return plants


def write_file(root: Path, plan: FilePlan, extra: Sequence[str], rng: random.Random) -> int:
    maker = LineMaker(rng)
    lines: list[str] = []
    size = 0
    while size < plan.size:
        text = maker.line(plan.ext)
        lines.append(text)
        size += len(text) + 1
    for text in extra:
        lines.insert(rng.randint(0, len(lines)), text)
    data = ("\n".join(lines) + "\n").encode()
    path = root / plan.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def generate_tree(params: TreeParams, root: Path) -> None:
    """Write the tree into `root` (which must not exist), then `git init` it."""
    rng = random.Random(params.seed)
    plans = plan_files(params, rng)
    plants = plan_plants(plans, rng)
    root.mkdir(parents=True)
    (root / ".gitignore").write_text(f"{IGNORED_DIR}/\n*.pyc\n")
    total = 0
    for i, plan in enumerate(plans):
        total += write_file(root, plan, plants.get(i, ()), random.Random(f"{params.seed}:{i}"))
        if (i + 1) % 2000 == 0:
            print(f"  generated {i + 1}/{len(plans)} files, {total / MIB:.0f} MiB",
                  file=sys.stderr)
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def ensure_tree(params: TreeParams, regenerate: bool) -> Path:
    """The tree for `params`, generated unless a matching one is cached."""
    root = WORK / f"tree-{params.files}"
    stamp_path = WORK / f"tree-{params.files}.stamp.json"
    want = params.stamp()
    cached = not regenerate and root.is_dir() and stamp_path.is_file()
    if cached and json.loads(stamp_path.read_text()) == want:
        return root
    print(f"generating {params.files} files, {params.mb:g} MiB into {root}", file=sys.stderr)
    stamp_path.unlink(missing_ok=True)
    partial = root.with_name(root.name + ".partial")
    for stale in (root, partial):
        if stale.exists():
            shutil.rmtree(stale)
    t0 = time.perf_counter()
    generate_tree(params, partial)
    partial.rename(root)
    stamp_path.write_text(json.dumps(want, indent=1))
    print(f"  done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return root


@dataclass(frozen=True)
class TreeStats:
    files: int
    bytes: int
    ignored_files: int


def tree_stats(root: Path) -> TreeStats:
    files = size = ignored = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if ".git" in dirnames:
            dirnames.remove(".git")
        rel = Path(dirpath).relative_to(root).parts
        for name in filenames:
            if name == ".gitignore":
                continue
            files += 1
            size += (Path(dirpath) / name).stat().st_size
            ignored += bool(rel) and rel[0] == IGNORED_DIR
    return TreeStats(files, size, ignored)


# ------------------------------------------------------------------------------- spec


def hypothesis_id(index: int) -> str:
    return f"H-S{index + 1:03d}"


def write_spec(patterns: Sequence[Pattern], tree: Path, path: Path) -> None:
    """A certify spec with one `grep` hypothesis per pattern (`expect: none`).
    Strings are written as JSON scalars, which YAML reads as double-quoted strings."""
    q = json.dumps
    out = [
        "certify: 1",
        f"phase: {q('static scan benchmark')}",
        f"description: {q(f'{len(patterns)} grep invariants over a generated tree')}",
        "targets:",
        f"  repo: {{path: {q(str(tree))}}}",
        "groups:",
        f"  S: {q('Static scan benchmark')}",
        "hypotheses:",
    ]
    for i, p in enumerate(patterns):
        out += [
            f"  - id: {hypothesis_id(i)}",
            "    group: S",
            f"    claim: {q(f'No line matches {p.name}')}",
            "    proof: local",
            "    checks:",
            f"      - {{kind: grep, name: {q(p.name)}, pattern: {q(p.regex)}, expect: none}}",
        ]
    path.write_text("\n".join(out) + "\n")


# ------------------------------------------------------------------------------ timing


@dataclass(frozen=True)
class Timed:
    """One timed run: wall seconds, and CPU seconds of the process and everything it waited for."""

    wall: float
    cpu: float


def timed(fn: Callable[[], object]) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timed(wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


@dataclass(frozen=True)
class Series:
    runs: tuple[Timed, ...]

    @property
    def min(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:  # median CPU seconds
        return statistics.median(r.cpu for r in self.runs)

    def describe(self) -> str:
        walls = ", ".join(f"{r.wall:.2f}" for r in self.runs)
        return f"min {self.min:.3f} s, median {self.median:.3f} s, CPU {self.cpu:.2f} s  ({walls})"


def interleaved(contenders: dict[str, Callable[[], object]], runs: int) -> dict[str, Series]:
    """One warm-up call of each, then `runs` rounds calling each once in turn, so every contender
    sees the same (shared, noisy) machine."""
    for fn in contenders.values():
        fn()
    got: dict[str, list[Timed]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            got[name].append(timed(fn))
    return {name: Series(tuple(ts)) for name, ts in got.items()}


def rg_base(rg: str) -> list[str]:
    return [rg, "--no-config", "--no-require-git"]


def ascii_boundaries(regex: str) -> str:
    r"""`\b` and `\B` as ripgrep reads them without Unicode (`(?-u:\b)`): what someone who knows
    that Unicode word boundaries slow ripgrep's combined pass down would type. Same lines as
    written wherever no non-ASCII letter touches a boundary (checked on the tree: see main)."""
    return re.sub(r"(?<!\\)((?:\\\\)*)\\([bB])", r"\1(?-u:\\\2)", regex)


def peer_variants(patterns: Sequence[Pattern]) -> dict[str, list[str]]:
    """The ways to send the patterns to one `rg -n` pass: as written, and with ASCII boundaries."""
    written = [p.regex for p in patterns]
    out = {"rg -n, patterns as written": written}
    ascii_ = [ascii_boundaries(r) for r in written]
    if ascii_ != written:
        out[r"rg -n, \b as (?-u:\b)"] = ascii_
    return out


def run_rg_lines(rg: str, regexes: Sequence[str], tree: Path) -> int:
    """One `rg -n` pass for all patterns (what a person types to answer the question with one
    tool), every line it prints read to the end through a pipe (ripgrep stops early when its
    output is /dev/null). Returns the number of matching lines."""
    cmd = rg_base(rg) + ["-n"]
    for r in regexes:
        cmd += ["-e", r]
    cmd.append(str(tree))
    lines = 0
    with tempfile.TemporaryFile() as err, subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err
    ) as proc:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 20):
            lines += chunk.count(b"\n")
        proc.wait()
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise ToolError(f"rg exited {proc.returncode}: {err.read().decode()[:2000]}")
    return lines


class ToolError(Exception):
    """A tool under measurement crashed or could not run."""


@dataclass
class CertifyRun:
    exit_code: int
    results: dict[str, Any]
    pack: Path  # the evidence pack it wrote
    stdout: str
    stderr: str


def run_certify(certify: str, spec: Path, out: Path, jobs: int | None) -> CertifyRun:
    """`certify run SPEC -o OUT --json OUT/r.json --quiet`; exit 1 (FALSE) is expected."""
    cmd = [certify, "run", str(spec), "-o", str(out / "packs"), "--json", str(out / "r.json"), "--quiet",
           *(["-j", str(jobs)] if jobs else [])]
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    result_path = out / "r.json"
    if proc.returncode not in (0, 1, 3) or not result_path.is_file():
        raise ToolError(
            f"{' '.join(cmd)}\nexited {proc.returncode}"
            f"{'' if result_path.is_file() else ' and wrote no ' + str(result_path)}\n"
            f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-5000:]}")
    packs = sorted((out / "packs").glob("*/*/results.json"))
    if len(packs) != 1:
        raise ToolError(f"{' '.join(cmd)}: expected one evidence pack under {out / 'packs'}, "
                        f"found {len(packs)}")
    return CertifyRun(proc.returncode, json.loads(result_path.read_text()), packs[0].parent,
                      proc.stdout, proc.stderr)


def certify_jobs(certify: str, jobs: int | None) -> str:
    """The -j the runs use: the one given, or `certify run`'s default as its --help says."""
    if jobs:
        return str(jobs)
    help_text = subprocess.run([certify, "run", "--help"], capture_output=True, text=True).stdout
    m = re.search(r"--jobs\b.*?\[default:\s*(\d+)", help_text, re.S)
    return f"{m.group(1)} (certify's default)" if m else "certify's default"


# ------------------------------------------------------------------------ cross-check


def rg_line_count(rg: str, regex: str, tree: Path) -> int:
    """Lines matching `regex` in the tree, by ripgrep alone (`rg -c`, summed)."""
    proc = subprocess.run(rg_base(rg) + ["-c", "-e", regex, "."], cwd=tree,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise ToolError(f"rg -c -e {regex!r} exited {proc.returncode}: {proc.stderr[:500]}")
    return sum(int(line.rsplit(":", 1)[1]) for line in proc.stdout.splitlines() if line)


def rg_locations(rg: str, regex: str, tree: Path) -> set[str]:
    """`path:line` of every matching line, paths relative to the tree."""
    proc = subprocess.run(rg_base(rg) + ["-n", "--no-heading", "-H", "-e", regex, "."],
                          cwd=tree, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    out = set()
    for line in proc.stdout.splitlines():
        path, lineno, _ = line.split(":", 2)
        out.add(f"{path.removeprefix('./')}:{lineno}")
    return out


@dataclass(frozen=True)
class CertifyCount:
    status: str
    findings: int  # how many findings the check had (`findings_total` when the pack capped the list)
    reported: int | None  # the check's own count (`values.matches`), if it gives one
    wheres: tuple[str, ...]  # every finding's location (a capped check's from its findings file)
    reason: str

    def agrees_with(self, n: int) -> bool:
        return (self.status != "error" and self.findings == n
                and self.reported in (None, n))


def _reported_count(check: dict[str, Any]) -> int | None:
    values = check.get("values")
    if isinstance(values, dict) and isinstance(values.get("matches"), int):
        return int(values["matches"])
    return None


def _wheres(check: dict[str, Any], pack: Path) -> tuple[str, ...]:
    """Every finding's `where`: from results.json, or, when the pack capped the list there, from
    the findings file it names (one `where: what` line each)."""
    if "findings_file" not in check:
        return tuple(str(f.get("where", "")) for f in check.get("findings") or [] if isinstance(f, dict))
    lines = (pack / check["findings_file"]).read_text(encoding="utf-8").splitlines()
    return tuple(line.split(": ", 1)[0] for line in lines)


def certify_counts(results: dict[str, Any], pack: Path) -> dict[str, CertifyCount]:
    """Per hypothesis id: the status and finding count of its (single) check."""
    out: dict[str, CertifyCount] = {}
    hypotheses = results.get("hypotheses")
    if not isinstance(hypotheses, list):
        raise ToolError("results.json has no `hypotheses` list")
    for h in hypotheses:
        check: dict[str, Any] = h["checks"][0] if h.get("checks") else {}
        listed = len([f for f in check.get("findings") or [] if isinstance(f, dict)])
        out[h["id"]] = CertifyCount(
            status=str(check.get("status")),
            findings=int(check.get("findings_total", listed)),
            reported=_reported_count(check),
            wheres=_wheres(check, pack),
            reason=str(check.get("reason", ""))[:300])
    return out


def normalise_where(where: str, tree: Path) -> str:
    prefix = str(tree) + os.sep
    if where.startswith(prefix):
        where = where[len(prefix):]
    return where.removeprefix("./")


@dataclass(frozen=True)
class Mismatch:
    hid: str
    pattern: Pattern
    rg: int
    certify: CertifyCount | None


def cross_check(rg: str, patterns: Sequence[Pattern], tree: Path, run: CertifyRun,
                sample: int) -> tuple[list[Mismatch], dict[str, int]]:
    """Compare per-pattern line counts; returns mismatches and rg's counts."""
    chosen = list(range(len(patterns)))
    if 0 < sample < len(chosen):
        chosen = sorted(random.Random(0).sample(chosen, sample))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        counts = list(pool.map(lambda i: rg_line_count(rg, patterns[i].regex, tree), chosen))
    certified = certify_counts(run.results, run.pack)
    rg_counts: dict[str, int] = {}
    mismatches = []
    for i, n in zip(chosen, counts, strict=True):
        hid = hypothesis_id(i)
        rg_counts[hid] = n
        got = certified.get(hid)
        if got is None or not got.agrees_with(n):
            mismatches.append(Mismatch(hid, patterns[i], n, got))
    return mismatches, rg_counts


def describe_mismatch(m: Mismatch, rg: str, tree: Path) -> Iterator[str]:
    c = m.certify
    yield f"  {m.hid} {m.pattern.name} /{m.pattern.regex}/"
    if c is None:
        yield f"    rg lines: {m.rg}; certify: hypothesis missing from results.json"
        return
    yield (f"    rg lines: {m.rg}; certify: status={c.status} findings={c.findings} "
           f"values.matches={c.reported} reason={c.reason!r}")
    if not c.wheres:
        return
    ours = rg_locations(rg, m.pattern.regex, tree)
    theirs = {normalise_where(w, tree) for w in c.wheres}
    only_rg, only_certify = sorted(ours - theirs), sorted(theirs - ours)
    yield f"    only rg ({len(only_rg)}): {only_rg[:5]}"
    yield f"    only certify ({len(only_certify)}): {only_certify[:5]}"
    if len(theirs) != len(c.wheres):
        yield f"    certify repeats locations: {len(c.wheres)} findings, {len(theirs)} distinct"


# ---------------------------------------------------------------------------------- main


@dataclass(frozen=True)
class Mode:
    files: int
    mb: float
    patterns: int
    dense: bool  # add the claim that ~120,000 lines violate (DENSE)
    about: str


MODES = {
    "20k": Mode(20_000, 200, 100, False, "100 invariants over 20,000 files"),
    "4k": Mode(4_000, 107, 40, False, "40 invariants over 4,000 files (112 MB)"),
    "dense": Mode(4_000, 107, 40, True, "the 4k tree and spec, plus one claim ~120,000 lines violate"),
}


def find_certify(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "certify"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("certify")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--mode", choices=sorted(MODES), default="20k",
                    help="; ".join(f"{k}: {m.about}" for k, m in MODES.items()) + " (default 20k)")
    ap.add_argument("--files", type=int, help="files in the tree (the mode's)")
    ap.add_argument("--mb", type=float, help="total size in MiB (the mode's)")
    ap.add_argument("--patterns", type=int, help="patterns to search, 1-100 (the mode's)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each after a warm-up (3, at least)")
    ap.add_argument("-j", "--jobs", type=int, help="certify's -j (default: certify's own)")
    ap.add_argument("--check-sample", type=int, default=0,
                    help="cross-check only this many patterns (default 0: all)")
    ap.add_argument("--certify", help="certify executable (default: beside python, or PATH)")
    ap.add_argument("--rg-only", action="store_true", help="time rg only, skip certify")
    ap.add_argument("--regenerate", action="store_true", help="ignore the cached tree")
    ap.add_argument("--remove-tree", action="store_true",
                    help="delete the generated tree at the end (it is kept for the next run by default)")
    ap.add_argument("--per-pattern", action="store_true",
                    help="print rg's and certify's count for every pattern")
    args = ap.parse_args(argv)
    mode = MODES[args.mode]
    args.files = args.files or mode.files
    args.mb = args.mb or mode.mb
    args.patterns = args.patterns or mode.patterns
    args.dense = mode.dense
    if not 1 <= args.patterns <= len(PATTERNS):
        ap.error(f"--patterns must be 1..{len(PATTERNS)}")
    if args.runs < 3:
        ap.error("--runs must be at least 3 (a median of fewer says little on a shared machine)")
    return args


def print_table(rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def print_per_pattern(patterns: Sequence[Pattern], rg_counts: dict[str, int],
                      certified: dict[str, CertifyCount]) -> None:
    print(f"{'id':<7} {'pattern':<22} {'rg':>6} {'certify':>7}  status")
    for i, p in enumerate(patterns):
        hid = hypothesis_id(i)
        c = certified.get(hid)
        got = "-" if c is None else str(c.findings)
        n = rg_counts.get(hid)
        print(f"{hid:<7} {p.name:<22} {'-' if n is None else n:>6} {got:>7}  "
              f"{'missing' if c is None else c.status}")
    print()


def choose_peer(rg: str, patterns: Sequence[Pattern], tree: Path) -> tuple[dict[str, list[str]], int]:
    """The rg variants that answer the question (the same number of lines as the patterns as
    written), and that number."""
    variants = peer_variants(patterns)
    counts = {name: run_rg_lines(rg, regexes, tree) for name, regexes in variants.items()}
    want = counts["rg -n, patterns as written"]
    honest = {name: regexes for name, regexes in variants.items() if counts[name] == want}
    for name in variants.keys() - honest.keys():
        print(f"(not a peer: {name} printed {counts[name]} lines, the patterns as written {want})",
              file=sys.stderr)
    return honest, want


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    validate_patterns([*PATTERNS, DENSE])
    rg = shutil.which("rg")
    if rg is None:
        print("rg not found on PATH", file=sys.stderr)
        return 2
    certify = None if args.rg_only else find_certify(args.certify)
    if not args.rg_only and certify is None:
        print("certify executable not found (pass --certify or --rg-only)", file=sys.stderr)
        return 2

    WORK.mkdir(parents=True, exist_ok=True)
    params = TreeParams(args.files, args.mb, args.seed)
    try:
        with tempfile.TemporaryDirectory(prefix="certify-static-bench-") as tmp:
            return measure(args, rg, certify, ensure_tree(params, args.regenerate).resolve(), Path(tmp))
    except ToolError as e:
        print(f"tool failure:\n{e}", file=sys.stderr)
        return 2
    finally:
        if args.remove_tree:
            shutil.rmtree(WORK / f"tree-{params.files}", ignore_errors=True)
            (WORK / f"tree-{params.files}.stamp.json").unlink(missing_ok=True)


def measure(args: argparse.Namespace, rg: str, certify: str | None, tree: Path, tmp: Path) -> int:
    """Time certify and its peer side by side, then check certify's counts against ripgrep's."""
    stats = tree_stats(tree)
    patterns = [*PATTERNS[: args.patterns], *([DENSE] if args.dense else [])]
    spec = tmp / "static_scan.yaml"
    write_spec(patterns, tree, spec)
    peers, peer_lines = choose_peer(rg, patterns, tree)
    rows = [("mode", f"{args.mode}: {MODES[args.mode].about}"),
            ("files", f"{stats.files} ({stats.ignored_files} in ignored {IGNORED_DIR}/)"),
            ("MiB", f"{stats.bytes / MIB:.1f}"),
            ("patterns", str(len(patterns))),
            ("matching lines", f"{peer_lines} (lines rg -n prints)"),
            ("runs", f"{args.runs} of each, after one warm-up, interleaved")]
    contenders: dict[str, Callable[[], object]] = {
        name: (lambda regexes=regexes: run_rg_lines(rg, regexes, tree)) for name, regexes in peers.items()}
    runs: list[CertifyRun] = []
    if certify is not None:
        rows.append(("certify -j", certify_jobs(certify, args.jobs)))

        def one_certify_run() -> None:
            out = tmp / f"run-{len(runs)}"
            out.mkdir()
            runs.append(run_certify(certify, spec, out, args.jobs))
            if len(runs) > 1:  # only the last pack is cross-checked
                shutil.rmtree(tmp / f"run-{len(runs) - 2}")

        contenders = {"certify run": one_certify_run, **contenders}
    series = interleaved(contenders, args.runs)
    peer = min(peers, key=lambda name: series[name].min)
    for name, s in series.items():
        rows.append((name + (" (the peer: fastest)" if name == peer else ""), s.describe()))
    if certify is None:
        print_table(rows)
        return 0
    mine, theirs = series["certify run"], series[peer]
    run = runs[-1]
    mismatches, rg_counts = cross_check(rg, patterns, tree, run, args.check_sample)
    if args.per_pattern:
        print_per_pattern(patterns, rg_counts, certify_counts(run.results, run.pack))
    checked = args.check_sample if 0 < args.check_sample < len(patterns) else len(patterns)
    rows += [("ratio certify/peer", f"{mine.min / theirs.min:.2f}x (min), {mine.median / theirs.median:.2f}x "
                                    f"(median), {mine.cpu / theirs.cpu:.2f}x (CPU)"),
             ("certify exit code", str(run.exit_code)),
             ("pack", f"{sum(f.stat().st_size for f in run.pack.rglob('*') if f.is_file()) / MIB:.1f} MiB "
                      f"(results.json {(run.pack / 'results.json').stat().st_size / MIB:.2f} MiB)"),
             ("patterns cross-checked", str(checked)),
             ("mismatches", str(len(mismatches)))]
    print_table(rows)
    if mismatches:
        print("\nmismatches (rg -c line counts vs certify findings):")
        for m in mismatches:
            for line in describe_mismatch(m, rg, tree):
                print(line)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
