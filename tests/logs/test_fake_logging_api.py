"""Self-test of the fake Cloud Logging API, driven by the real google-cloud-logging client."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

gl = pytest.importorskip("google.cloud.logging")  # not a certify dependency: skip without it

from google.api_core import exceptions as gexc  # noqa: E402
from google.auth import exceptions as auth_exc  # noqa: E402
from google.auth.credentials import AnonymousCredentials  # noqa: E402
from google.cloud.logging_v2 import logger as gl_logger  # noqa: E402

from tests.logs.fake_logging_api import (  # noqa: E402
    FakeLoggingAPI,
    FilterError,
    compile_filter,
    parse_time,
)

NOW = datetime.now(UTC)


def ts(minutes_ago: float, nanos: bool = False) -> str:
    t = NOW - timedelta(minutes=minutes_ago)
    if nanos:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(i: int, minutes_ago: float, *, status: int = 200, url: str = "/", sev: str | None = "INFO",
          payload: dict | None = None, text: str | None = None, project: str = "p",
          svc: str = "api", nanos: bool = False) -> dict:
    e: dict = {
        "logName": f"projects/{project}/logs/run.googleapis.com%2Frequests",
        "resource": {"type": "cloud_run_revision",
                     "labels": {"service_name": svc, "project_id": project}},
        "timestamp": ts(minutes_ago, nanos), "receiveTimestamp": ts(minutes_ago - 0.01),
        "insertId": f"id{i:02d}",
        "httpRequest": {"requestMethod": "GET", "requestUrl": f"https://x.run.app{url}",
                        "status": status, "latency": f"0.{i}s", "userAgent": "curl/8",
                        "remoteIp": "10.0.0.1"},
        "trace": f"projects/{project}/traces/t{i}", "labels": {"k": f"v{i % 2}"}}
    if sev is not None:
        e["severity"] = sev
    if payload is not None:
        e["jsonPayload"] = payload
    if text is not None:
        e["textPayload"] = text
    return e


ENTRIES = [
    entry(1, 50, url="/health", text="OK ready"),
    entry(2, 40, status=500, sev="ERROR", url="/api/items?id=7",
          payload={"message": "Boom: Timeout talking to DB", "x": {"y": 3}}),
    entry(3, 30, status=404, sev="WARNING", url="/missing", payload={"message": "not found"}),
    entry(4, 20, url="/api/items", payload={"message": "listed", "x": {"y": 10}}, nanos=True),
    entry(5, 10, status=503, sev=None, url="/api/slow", text="upstream unavailable", svc="worker"),
    entry(6, 5, status=201, sev="NOTICE", url="/api/items", payload={"message": "created"}),
    entry(7, 1, sev="DEBUG", url="/health", text="ok"),
    entry(8, 2 * 24 * 60, status=500, sev="CRITICAL", url="/old", text="ancient"),  # 2 days ago
    entry(9, 15, url="/other-project", project="q", text="other"),
]
RECENT = [f"id0{i}" for i in range(1, 8)]


def client_for(fake: FakeLoggingAPI, project: str = "p") -> gl.Client:
    return gl.Client(project=project, credentials=AnonymousCredentials(), _use_grpc=False,
                     client_options={"api_endpoint": fake.endpoint})


def ids(fake: FakeLoggingAPI, filter_: str | None = None, **kw: object) -> list[str]:
    return [e.insert_id for e in client_for(fake).list_entries(filter_=filter_, **kw)]


@pytest.fixture(scope="module", autouse=True)
def _no_metadata_server():
    """The client builds a Logger per logName while parsing entries, and Logger() calls
    detect_resource(), which GETs http://metadata.google.internal./ twice (sometimes a 5 s
    stall off GCE). Not the fake's business: stub it so the self-test stays fast."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gl_logger, "detect_resource", lambda project="": gl.Resource("global", {}))
        yield


@pytest.fixture(scope="module")
def fake():
    with FakeLoggingAPI(ENTRIES) as f:
        yield f


@pytest.fixture(autouse=True)
def _reset(fake):
    fake.clear_failures()
    fake.requests.clear()


def test_paging_ascending_returns_every_match_once_in_order(fake):
    got = ids(fake, "resource.type = cloud_run_revision", page_size=2)
    assert got == RECENT
    assert len(fake.requests) == 4
    first, *rest = fake.requests
    assert first["resourceNames"] == ["projects/p"] and first["pageSize"] == 2
    assert "pageToken" not in first and all("pageToken" in r for r in rest)
    assert all(r["filter"] == first["filter"] for r in rest)


def test_descending_order(fake):
    assert ids(fake, "severity >= DEFAULT", order_by=gl.DESCENDING, page_size=3) == RECENT[::-1]
    assert fake.requests[0]["orderBy"] == "timestamp desc"


def test_page_limit_caps_page_size():
    with FakeLoggingAPI(ENTRIES, page_limit=3) as f:
        assert ids(f, None, page_size=100) == RECENT
        assert len(f.requests) == 3


def test_client_appends_24h_clause_and_fake_honours_it(fake):
    assert "id08" not in ids(fake, "httpRequest.status = 500")
    sent = fake.requests[0]["filter"]
    assert sent.startswith("httpRequest.status = 500 AND timestamp>=")
    assert parse_time(sent.split('"')[1]) is not None  # "...+0000" offset without colon
    assert ids(fake, None) == RECENT
    assert ids(fake, 'httpRequest.status = 500 AND timestamp >= "2000-01-01T00:00:00Z"') == \
        ["id08", "id02"]


def test_only_requested_project(fake):
    assert [e.insert_id for e in client_for(fake, "q").list_entries()] == ["id09"]


OLD = 'timestamp>="2000-01-01T00:00:00Z"'
OPERATOR_CASES = [
    ("httpRequest.status=200", ["id01", "id04", "id07"]),
    ('httpRequest.status="200"', ["id01", "id04", "id07"]),          # value converted to int
    ("httpRequest.status!=200", ["id02", "id03", "id05", "id06"]),
    ("httpRequest.status>=500", ["id02", "id05"]),
    ("httpRequest.status<300 httpRequest.status>200", ["id06"]),      # implicit AND
    ('resource.labels.service_name="WORKER"', ["id05"]),              # = is case-insensitive
    ('jsonPayload.message="boom"', []),                              # = is whole-value
    ('jsonPayload.message:"TIMEOUT"', ["id02"]),                     # : substring, any case
    ("jsonPayload:listed", ["id04"]),                                # : searches an object
    ("jsonPayload.message:*", ["id02", "id03", "id04", "id06"]),     # presence
    ('jsonPayload.message!="listed"', ["id02", "id03", "id06"]),     # missing field -> false
    ('NOT jsonPayload.message="listed"', ["id01", "id02", "id03", "id05", "id06", "id07"]),
    ("jsonPayload.x.y>5", ["id04"]),
    ("jsonPayload.x.y<5", ["id02"]),
    (r'httpRequest.requestUrl=~"/api/items(\?|$)"', ["id02", "id04", "id06"]),  # search
    ('httpRequest.requestUrl=~"^/api"', []),                         # anchored: full URL
    ('httpRequest.requestUrl=~"/API"', []),                          # regex case-sensitive
    ('httpRequest.requestUrl=~"(?i)/API/slow"', ["id05"]),
    ('httpRequest.requestUrl!~"/api/"', ["id01", "id03", "id07"]),
    ('textPayload=~"ok"', ["id07"]),
    ("severity>=WARNING", ["id02", "id03"]),
    ("severity=DEFAULT", ["id05"]),                                  # absent -> DEFAULT
    ("severity<info", ["id05", "id07"]),
    ("severity=300", ["id06"]),
    ("severity>=ERROR OR httpRequest.status=404", ["id02", "id03"]),
    ('resource.type="cloud_run_revision" AND -severity=INFO', ["id02", "id03", "id05", "id06", "id07"]),
    ("severity=INFO OR severity=DEBUG AND textPayload:ok", ["id01", "id07"]),  # OR binds tighter
    ("(severity=INFO OR severity=DEBUG) AND NOT textPayload:ok", ["id04"]),
    ('httpRequest.status=(404 OR 503)', ["id03", "id05"]),
    ('labels.k="v1"', ["id01", "id03", "id05", "id07"]),
    ('labels."k"="v1" severity=info', ["id01"]),                     # quoted path segment
    ("severity=INFO and", []),                   # lower-case "and" is a search word: no hit
    ("textPayload:ok and OR textPayload:ok", ["id01", "id07"]),
    ('logName="projects/p/logs/run.googleapis.com%2Frequests" insertId="id03"', ["id03"]),
    ('trace:"t6"', ["id06"]),
    ("unavailable", ["id05"]),                                       # global restriction
    ('"Timeout talking"', ["id02"]),
    ('httpRequest.latency>"0.55s"', ["id06", "id07"]),
    (f'timestamp>="{ts(21)}" timestamp<"{ts(9)}"', ["id04", "id05"]),
    (f'receiveTimestamp<="{ts(39.99)}" {OLD}', ["id08", "id01", "id02"]),
    (f"severity=CRITICAL {OLD}", ["id08"]),
    ('jsonPayload.message="Not Found" -- trailing comment', ["id03"]),
    ('textPayload:"ok\\u0020READY"', ["id01"]),                      # escapes in strings
]


# Ids by position: some filters hold the current time, and parallel workers must collect alike.
@pytest.mark.parametrize("filter_,expected", OPERATOR_CASES,
                         ids=[f"case{i}" for i in range(len(OPERATOR_CASES))])
def test_operators(fake, filter_, expected):
    assert ids(fake, filter_, page_size=4) == expected


@pytest.mark.parametrize("bad", ['SEARCH("x")', "(severity=ERROR", 'jsonPayload.m=~"(?=a)"',
                                 'timestamp>"yesterday"', "severity=LOUD", "a ! b",
                                 'jsonPayload.m=~"("', "AND x", 'status=500', "a AND",
                                 "x" * 20_001])
def test_invalid_filter_is_400(fake, bad):
    with pytest.raises(gexc.BadRequest) as info:
        ids(fake, bad)
    assert info.value.code == 400


def test_403_service_disabled_surfaces_as_forbidden(fake):
    fake.fail_with(403, "Cloud Logging API has not been used in project p before or it is "
                   "disabled.", reason="SERVICE_DISABLED")
    with pytest.raises(gexc.Forbidden) as info:
        ids(fake, None)
    assert info.value.reason == "SERVICE_DISABLED" and info.value.domain == "googleapis.com"
    assert info.value.metadata["service"] == "logging.googleapis.com"
    assert "has not been used" in info.value.message


# 401: google-auth's AuthorizedSession refreshes credentials on 401 and retries; anonymous
# credentials cannot refresh, so the client raises InvalidOperation instead of Unauthorized.
@pytest.mark.parametrize("status,exc", [(400, gexc.BadRequest), (401, auth_exc.InvalidOperation),
                                        (404, gexc.NotFound), (429, gexc.TooManyRequests),
                                        (500, gexc.InternalServerError),
                                        (503, gexc.ServiceUnavailable)])
def test_status_mapping_and_times(fake, status, exc):
    fake.fail_with(status, "nope", times=1)
    with pytest.raises(exc):
        ids(fake, None)
    assert ids(fake, None) == RECENT  # only one failure was injected; no client retry
    assert len(fake.requests) == 2


def test_500_mid_paging_raises_after_first_page(fake):
    fake.fail_on_page(2, 500)
    it = iter(client_for(fake).list_entries(page_size=3))
    got = [next(it).insert_id for _ in range(3)]
    with pytest.raises(gexc.InternalServerError):
        next(it)
    assert got == RECENT[:3] and len(fake.requests) == 2


def test_compile_filter_directly():
    e = {"severity": "ERROR", "jsonPayload": {"tags": ["a", "b"], "n": None}}
    assert compile_filter('jsonPayload.tags="b"')(e)
    assert compile_filter("jsonPayload.n=NULL_VALUE")(e)
    assert not compile_filter("jsonPayload.n:*")({"jsonPayload": {}})
    assert compile_filter("")(e)
    with pytest.raises(FilterError):
        compile_filter("x" * 20_001)
