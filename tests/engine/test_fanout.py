"""How many checks run at once, seen by the service they call: HTTP checks fill -j (default 64),
the others keep to 32, commands to one per CPU, and none of those limits holds up the HTTP checks.

The server holds every request until a given number are in flight at once, or until every
request it expects has arrived (or a timeout that only a failing schedule waits for), and counts
the most it saw at once; the pack's `schedule` fact says how many the engine let run at once.
The criteria are those counts, not the wall time."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from certify.kinds import registry
from tests.conftest import certify, spec_text, write


class Gauge(ThreadingHTTPServer):
    """Answers {"status": "ok"} to every GET, each held until `meet` requests are in flight at once
    (from then on none is held), or all `total` have arrived, or `wait` seconds passed."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, meet: int, total: int, wait: float, met: Callable[[], None] = lambda: None) -> None:
        super().__init__(("127.0.0.1", 0), _Held)
        self.meet, self.total, self.wait, self.on_met = meet, total, wait, met
        self.cond = threading.Condition()
        self.now = self.arrived = self.most = 0
        self.met = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def hold(self) -> None:
        with self.cond:
            self.now += 1
            self.arrived += 1
            self.most = max(self.most, self.now)
            if self.now >= self.meet and not self.met:
                self.met = True
                self.on_met()
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.met or self.arrived >= self.total, timeout=self.wait)

    def leave(self) -> None:
        with self.cond:
            self.now -= 1


class _Held(BaseHTTPRequestHandler):
    server: Gauge

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.hold()
        try:
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            self.server.leave()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(gauge: Gauge) -> Iterator[Gauge]:
    threading.Thread(target=gauge.serve_forever, daemon=True).start()
    try:
        yield gauge
    finally:
        gauge.shutdown()
        gauge.server_close()


@pytest.fixture(autouse=True)
def hold_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.KINDS, "hold", "tests.engine.hold_kind")
    registry.get.cache_clear()
    yield
    registry.get.cache_clear()


def http_checks(n: int, prefix: str = "H") -> str:
    return "\n".join(f"- id: {prefix}{i:02d}\n  claim: endpoint {i} answers\n"
                     f"  check: {{kind: http, path: /item/{i}, expect: {{json: {{status: ok}}}}}}"
                     for i in range(n))


def target(url: str) -> str:
    return f"targets:\n  http:\n    api: {{base_url: '{url}', timeout: 40}}\n"


def test_fifty_slow_http_checks_are_all_in_flight_at_once(tmp_path: Path) -> None:
    """With the default -j, 50 HTTP checks make one round, not two (-j 32 held 18 back)."""
    with serving(Gauge(meet=50, total=50, wait=20)) as gauge:
        write(tmp_path / "checks.yaml", spec_text(http_checks(50), header=target(gauge.url)))
        res = certify("run", "-q", cwd=tmp_path)
        assert set(res.verdicts.values()) == {"TRUE"}, res.stdout
        assert gauge.most == 50
        schedule = res.results["environment"]["schedule"]
        assert schedule.startswith("-j 64; at most 50 of 50 checks ran at once; "), schedule


def test_j_bounds_http_checks_too(tmp_path: Path) -> None:
    """-j stays the most checks in flight: lowered, it holds back the HTTP checks (as for a service
    that cannot take a wide fan-out)."""
    with serving(Gauge(meet=6, total=6, wait=1)) as gauge:
        write(tmp_path / "checks.yaml", spec_text(http_checks(6), header=target(gauge.url)))
        res = certify("run", "-q", "-j", "5", cwd=tmp_path)
        assert set(res.verdicts.values()) == {"TRUE"}, res.stdout
        assert gauge.most <= 5
        assert res.results["environment"]["schedule"].startswith("-j 5; at most 5 of 6 checks ran at once; ")


def test_checks_other_than_http_ones_keep_to_32(tmp_path: Path) -> None:
    """A check that works on this machine (here a test kind on the repository) keeps the old width."""
    with serving(Gauge(meet=33, total=40, wait=1)) as gauge:
        hyps = "\n".join(f"- id: L{i:02d}\n  claim: c\n  check: {{kind: hold, url: '{gauge.url}/{i}'}}"
                         for i in range(40))
        write(tmp_path / "checks.yaml", spec_text(hyps))
        res = certify("run", "-q", cwd=tmp_path)
        assert set(res.verdicts.values()) == {"TRUE"}, res.stdout
        assert gauge.most <= 32
        assert res.results["environment"]["schedule"].startswith(
            "-j 64 (of which at most 32 checks other than HTTP ones); at most 32 of 40 checks ran at once; ")


def test_commands_waiting_for_a_cpu_do_not_hold_up_http_checks(tmp_path: Path) -> None:
    """40 commands come first in the spec and wait until the server has seen all 30 HTTP checks at
    once: only a schedule that starts the HTTP checks past the queued commands lets them finish."""
    go = tmp_path / "go"
    with serving(Gauge(meet=30, total=30, wait=20, met=go.touch)) as gauge:
        commands = "\n".join(f"- id: C{i:02d}\n  claim: c\n  check: {{kind: command, timeout: 30, "
                             f"run: 'while [ ! -e {go} ]; do sleep 0.05; done'}}" for i in range(40))
        spec = spec_text(commands + "\n" + http_checks(30), header=target(gauge.url))
        write(tmp_path / "checks.yaml", spec)
        res = certify("run", "-q", cwd=tmp_path)
        assert set(res.verdicts.values()) == {"TRUE"}, res.stdout
        assert gauge.most == 30
