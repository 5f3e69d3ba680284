"""Builds the log exports of the blind log set (tests/blind_logs/exports/).

Already run; the files in exports/ are the fixtures and are committed as they are.
Running it again rewrites them byte for byte (everything here is deterministic).
It exists so a reviewer can see how the invented incident was put together:
every request, every application line, and which rejection cause it belongs to.

    python tests/blind_logs/make_exports.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "exports"

PROJECT = "acme-ledger-prod"
SERVICE_URL = "https://ledger-api-482913650217.europe-west1.run.app"
LEGACY_URL = "https://ledger-api-q7hx2mf3ka-ew.a.run.app"  # same service, old URL form
RECONCILER_URL = "https://reconciler-482913650217.europe-west1.run.app"

REQ_LOG = f"projects/{PROJECT}/logs/run.googleapis.com%2Frequests"
STDOUT_LOG = f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout"
STDERR_LOG = f"projects/{PROJECT}/logs/run.googleapis.com%2Fstderr"

UA_WORKER = "settle-worker/2.3.1 python-httpx/0.27.0"
UA_RECONCILER = "python-requests/2.32.3"
UA_BILLING = "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"
UA_PUSH = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"

IP = {UA_WORKER: "34.78.201.14", UA_RECONCILER: "35.241.163.207",
      UA_BILLING: "35.195.44.10", UA_PUSH: "66.102.6.201"}

SUB_WORKER = "108230498172340985512"      # settle-worker@acme-ledger-prod SA
SUB_RECONCILER = "104729384756102938475"  # reconciler-runtime@acme-ledger-prod SA

IAM_403_TEXT = (
    "The request was not authorized to invoke this service. Read more at "
    "https://cloud.google.com/run/docs/securing/authenticating Additional troubleshooting "
    "documentation can be found at: https://cloud.google.com/run/docs/troubleshooting#403"
)


def h(label: str, n: int) -> str:
    return hashlib.sha256(label.encode()).hexdigest()[:n]


def trace_id(key: str) -> str:
    return h("trace:" + key, 32)


def revision(ts: str, service: str = "ledger-api") -> str:
    if service == "reconciler":
        return "reconciler-00007-bam"
    if ts < "2026-11-10T11:30:00":
        return "ledger-api-00041-tuv"
    if ts < "2026-11-11T09:00:00":
        return "ledger-api-00042-wod"
    return "ledger-api-00043-kez"


def resource(ts: str, service: str = "ledger-api") -> dict:
    return {
        "labels": {
            "configuration_name": service,
            "location": "europe-west1",
            "project_id": PROJECT,
            "revision_name": revision(ts, service),
            "service_name": service,
        },
        "type": "cloud_run_revision",
    }


def instance(ts: str, n: int = 0) -> str:
    return "0069c7a98" + h(f"inst:{revision(ts)}:{n}", 55)


def severity_for(status: int) -> str:
    if status >= 500:
        return "ERROR"
    if status >= 400:
        return "WARNING"
    return "INFO"


# ---------------------------------------------------------------------------
# The requests: (key, timestamp, receiveTimestamp, method, url, status, latency,
#                user agent, service, note).  key names the trace.
# ---------------------------------------------------------------------------
S = SERVICE_URL
REQUESTS = [
    ("bal-1", "2026-11-10T01:15:22.104Z", "2026-11-10T01:15:22.310458Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 200, "0.043718s", UA_BILLING, "ledger-api", ""),
    ("settle-a1", "2026-11-10T02:00:01.688213Z", "2026-11-10T02:00:01.901556Z", "POST", f"{S}/internal/settle", 403, "0.012004s", UA_WORKER, "ledger-api", "cause A"),
    ("settle-a2", "2026-11-10T02:00:11.741Z", "2026-11-10T02:00:11.98Z", "POST", f"{S}/internal/settle", 403, "0.010221s", UA_WORKER, "ledger-api", "cause A"),
    ("settle-a3", "2026-11-10T02:00:31.855902117Z", "2026-11-10T02:00:32.014377261Z", "POST", f"{S}/internal/settle", 403, "0.011650s", UA_WORKER, "ledger-api", "cause A"),
    ("bal-2", "2026-11-10T03:30:00Z", "2026-11-10T03:30:00.204417Z", "GET", f"{S}/v1/accounts/acc_3HB81/balance", 200, "0.039002s", UA_BILLING, "ledger-api", ""),
    ("bal-3", "2026-11-10T07:45:10Z", "2026-11-10T07:45:10.311009Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 200, "0.051234s", UA_BILLING, "ledger-api", ""),
    ("rec-iam1", "2026-11-10T09:02:04.220Z", "2026-11-10T09:02:04.402118Z", "POST", f"{S}/internal/reconcile", 403, "0.001822s", UA_RECONCILER, "ledger-api", "cause D"),
    ("rec-iam2", "2026-11-10T10:02:04.198Z", "2026-11-10T10:02:04.377001Z", "POST", f"{S}/internal/reconcile", 403, "0.001701s", UA_RECONCILER, "ledger-api", "cause D"),
    ("rec-b1", "2026-11-10T11:02:05.377Z", "2026-11-10T11:02:05.599812Z", "POST", f"{S}/internal/reconcile", 403, "0.014473s", UA_RECONCILER, "ledger-api", "cause B"),
    ("bal-404", "2026-11-10T11:40:00Z", "2026-11-10T11:40:00.190233Z", "GET", f"{S}/v1/accounts/acc_missing/balance", 404, "0.020311s", UA_BILLING, "ledger-api", ""),
    ("rec-b2", "2026-11-10T12:02:05.402Z", "2026-11-10T12:02:05.611934Z", "POST", f"{S}/internal/reconcile", 403, "0.013980s", UA_RECONCILER, "ledger-api", "cause B, app line lacks rid"),
    ("status-1", "2026-11-10T13:30:12.5Z", "2026-11-10T13:30:12.71Z", "GET", f"{S}/internal/settle/status", 200, "0.008830s", UA_BILLING, "ledger-api", ""),
    ("settle-c1", "2026-11-10T14:20:05.611Z", "2026-11-10T14:20:05.822101Z", "POST", f"{S}/internal/settle", 403, "0.002915s", UA_WORKER, "ledger-api", "cause C"),
    ("settle-c2", "2026-11-10T14:20:15.702Z", "2026-11-10T14:20:15.911452Z", "POST", f"{S}/internal/settle", 403, "0.002877s", UA_WORKER, "ledger-api", "cause C"),
    ("settle-ok1", "2026-11-10T15:06:11.934Z", "2026-11-10T15:06:13.350274Z", "POST", f"{S}/internal/settle", 200, "1.204118s", UA_WORKER, "ledger-api", "backfill run, settled 9"),
    ("ledger-500", "2026-11-10T16:00:00Z", "2026-11-10T16:00:30.118804Z", "GET", f"{S}/v1/accounts/acc_9ZK4P/ledger?limit=50", 500, "30.001993s", UA_BILLING, "ledger-api", ""),
    ("ledger-retry", "2026-11-10T16:00:31Z", "2026-11-10T16:00:31.402256Z", "GET", f"{S}/v1/accounts/acc_9ZK4P/ledger?limit=50", 200, "0.212087s", UA_BILLING, "ledger-api", ""),
    ("rec-b3", "2026-11-10T18:02:05.366Z", "2026-11-10T18:02:05.588310Z", "POST", f"{S}/internal/reconcile", 403, "0.013114s", UA_RECONCILER, "ledger-api", "cause B"),
    ("bal-4", "2026-11-10T19:40:00Z", "2026-11-10T19:40:00.188712Z", "GET", f"{S}/v1/accounts/acc_9ZK4P/balance", 200, "0.041500s", UA_BILLING, "ledger-api", ""),
    ("bal-5", "2026-11-10T21:12:44Z", "2026-11-10T21:12:44.253367Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 200, "0.037761s", UA_BILLING, "ledger-api", ""),
    ("bal-6", "2026-11-10T23:59:59.999999Z", "2026-11-11T00:00:00.201877Z", "GET", f"{S}/v1/accounts/acc_3HB81/balance", 200, "0.035210s", UA_BILLING, "ledger-api", ""),
    ("settle-ok2", "2026-11-11T02:00:02.918273645Z", "2026-11-11T02:00:05.104512338Z", "POST", f"{S}/internal/settle", 200, "2.107733s", UA_WORKER, "ledger-api", "nightly run, settled 31; LAST 200 on /internal/settle"),
    ("push-1", "2026-11-11T04:00:00.125Z", "2026-11-11T04:00:00.398126Z", "POST", f"{RECONCILER_URL}/internal/settle", 200, "0.087006s", UA_PUSH, "reconciler", "other service, same path"),
    ("rec-b4", "2026-11-11T06:02:05.411Z", "2026-11-11T06:02:05.630076Z", "POST", f"{S}/internal/reconcile", 403, "0.012846s", UA_RECONCILER, "ledger-api", "cause B"),
    ("bal-7", "2026-11-11T09:00:30Z", "2026-11-11T09:00:30.284011Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 200, "0.902113s", UA_BILLING, "ledger-api", "first request on 00043"),
    ("rec-ok1", "2026-11-11T10:02:05.390Z", "2026-11-11T10:02:06.017733Z", "POST", f"{S}/internal/reconcile", 200, "0.598021s", UA_RECONCILER, "ledger-api", ""),
    ("locked-403", "2026-11-11T11:15:00Z", "2026-11-11T11:15:00.233910Z", "GET", f"{S}/v1/accounts/acc_LOCKED/balance", 403, "0.018224s", UA_BILLING, "ledger-api", "business 403, not invoker"),
    ("bal-304", "2026-11-11T12:30:00Z", "2026-11-11T12:30:00.190447Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 304, "0.009031s", UA_BILLING, "ledger-api", ""),
    ("bal-8", "2026-11-11T16:45:09Z", "2026-11-11T16:45:09.220985Z", "GET", f"{S}/v1/accounts/acc_3HB81/balance", 200, "0.040012s", UA_BILLING, "ledger-api", ""),
    ("rec-ok2", "2026-11-11T18:02:05.372Z", "2026-11-11T18:02:05.981250Z", "POST", f"{S}/internal/reconcile", 200, "0.571930s", UA_RECONCILER, "ledger-api", ""),
    ("status-2", "2026-11-11T19:00:00.500Z", "2026-11-11T19:00:00.710338Z", "GET", f"{S}/internal/settle/status", 200, "0.007702s", UA_BILLING, "ledger-api", "200 after the last POST 200, different URL"),
    ("ledger-1", "2026-11-11T22:30:00Z", "2026-11-11T22:30:00.301148Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/ledger?limit=20", 200, "0.118440s", UA_BILLING, "ledger-api", ""),
    ("settle-a4", "2026-11-12T02:00:01.702Z", "2026-11-12T02:00:01.915602Z", "POST", f"{S}/internal/settle", 403, "0.011874s", UA_WORKER, "ledger-api", "cause A again"),
    ("settle-a5", "2026-11-12T02:00:11.744Z", "2026-11-12T02:00:11.960881Z", "POST", f"{S}/internal/settle", 403, "0.010503s", UA_WORKER, "ledger-api", "cause A again"),
    ("settle-a6", "2026-11-12T02:00:31.861Z", "2026-11-12T02:00:32.070219Z", "POST", f"{S}/internal/settle", 403, "0.011238s", UA_WORKER, "ledger-api", "cause A again"),
    ("push-2", "2026-11-12T03:00:00.250Z", "2026-11-12T03:00:00.515772Z", "POST", f"{RECONCILER_URL}/internal/settle", 200, "0.091230s", UA_PUSH, "reconciler", "other service, same path"),
    ("rec-ok3", "2026-11-12T06:02:05.355Z", "2026-11-12T06:02:05.944127Z", "POST", f"{S}/internal/reconcile", 200, "0.583317s", UA_RECONCILER, "ledger-api", "last 200 on /internal/reconcile"),
    ("status-3", "2026-11-12T07:10:00Z", "2026-11-12T07:10:00.199871Z", "GET", f"{S}/internal/settle/status", 200, "0.008114s", UA_BILLING, "ledger-api", ""),
    ("bal-9", "2026-11-12T08:00:00Z", "2026-11-12T08:00:00.231004Z", "GET", f"{S}/v1/accounts/acc_7Q2MX/balance", 200, "0.038219s", UA_BILLING, "ledger-api", ""),
    ("ledger-2", "2026-11-12T09:30:00Z", "2026-11-12T09:30:00.276633Z", "GET", f"{S}/v1/accounts/acc_3HB81/ledger?limit=50", 200, "0.131905s", UA_BILLING, "ledger-api", ""),
]

REQ_BY_KEY = {r[0]: r for r in REQUESTS}


def request_entry(r) -> dict:
    key, ts, rts, method, url, status, latency, ua, service, _note = r
    req_size = "1187" if method == "POST" else "642"
    resp_size = {200: "412", 304: "188", 403: "295", 404: "176", 500: "203"}[status]
    if key.startswith("rec-iam"):
        resp_size = "563"
    entry: dict = {
        "httpRequest": {
            "latency": latency,
            "protocol": "HTTP/1.1",
            "remoteIp": IP[ua],
            "requestMethod": method,
            "requestSize": req_size,
            "requestUrl": url,
            "responseSize": resp_size,
            "serverIp": "34.143.76.2",
            "status": status,
            "userAgent": ua,
        },
        "insertId": h("insert:" + key, 24),
        "labels": {"instanceId": instance(ts)},
        "logName": REQ_LOG,
        "receiveTimestamp": rts,
        "resource": resource(ts, service),
        "severity": severity_for(status),
        "spanId": h("span:" + key, 16),
        "timestamp": ts,
        "trace": f"projects/{PROJECT}/traces/{trace_id(key)}",
        "traceSampled": status >= 400,
    }
    if key.startswith("rec-iam"):
        # Cloud Run refused the call itself (IAM); the container never saw it.
        entry["textPayload"] = IAM_403_TEXT
        del entry["labels"]
    return dict(sorted(entry.items()))


# ---------------------------------------------------------------------------
# Application log lines (stdout JSON -> jsonPayload, stderr text -> textPayload).
# ---------------------------------------------------------------------------
def rejected(key: str, ts: str, rts: str, cause: str, *, with_trace: bool = True,
             with_rid: bool = True) -> dict:
    payload: dict = {"message": "invoker_auth_rejected", "branch": "bearer"}
    if with_rid:
        payload["rid"] = trace_id(key)
    if cause == "A":
        payload.update({
            "errorCode": "invoker_token_invalid",
            "aud": LEGACY_URL,
            "emailPresent": True,
            "subPresent": True,
            "sub": SUB_WORKER,
            "verifyReason": (f"Token has wrong audience {LEGACY_URL}, expected one of "
                             f"['{SERVICE_URL}']"),
        })
    elif cause == "B":
        payload.update({
            "errorCode": "invoker_not_allowlisted",
            "aud": SERVICE_URL,
            "emailPresent": False,
            "subPresent": True,
            "sub": SUB_RECONCILER,
            "verifyReason": None,
        })
    elif cause == "C":
        payload.update({
            "errorCode": "invoker_token_invalid",
            "aud": None,
            "emailPresent": False,
            "subPresent": False,
            "sub": None,
            "verifyReason": "Wrong number of segments in token: ya29.[REDACTED]",
        })
    payload["path"] = REQ_BY_KEY[key][4].split(".run.app", 1)[1]
    return app_entry(key, ts, rts, payload, severity="WARNING", with_trace=with_trace)


def app_entry(key: str | None, ts: str, rts: str, payload, *, severity: str,
              with_trace: bool = True, log: str = STDOUT_LOG, n: int = 0) -> dict:
    entry: dict = {
        "insertId": h(f"app-insert:{key}:{ts}", 16),
        "labels": {"instanceId": instance(ts, n)},
        "logName": log,
        "receiveTimestamp": rts,
        "resource": resource(ts),
        "severity": severity,
        "timestamp": ts,
    }
    if isinstance(payload, str):
        entry["textPayload"] = payload
    else:
        entry["jsonPayload"] = payload
    if key and with_trace:
        entry["trace"] = f"projects/{PROJECT}/traces/{trace_id(key)}"
    return dict(sorted(entry.items()))


APP = [
    # revision 00041 (until 2026-11-10 11:30) logs without logging.googleapis.com/trace
    rejected("settle-a1", "2026-11-10T02:00:01.690Z", "2026-11-10T02:00:01.95Z", "A", with_trace=False),
    rejected("settle-a2", "2026-11-10T02:00:11.743Z", "2026-11-10T02:00:12.001Z", "A", with_trace=False),
    rejected("settle-a3", "2026-11-10T02:00:31.857114Z", "2026-11-10T02:00:32.1Z", "A", with_trace=False),
    rejected("rec-b1", "2026-11-10T11:02:05.379Z", "2026-11-10T11:02:05.64Z", "B", with_trace=False),
    app_entry(None, "2026-11-10T11:30:01.874Z", "2026-11-10T11:30:02.05Z",
              "[2026-11-10 11:30:01 +0000] [1] [INFO] Starting gunicorn 22.0.0", severity="DEFAULT", log=STDERR_LOG),
    app_entry(None, "2026-11-10T11:30:01.880Z", "2026-11-10T11:30:02.05Z",
              "[2026-11-10 11:30:01 +0000] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)", severity="DEFAULT", log=STDERR_LOG),
    app_entry(None, "2026-11-10T11:30:01.893Z", "2026-11-10T11:30:02.05Z",
              "[2026-11-10 11:30:01 +0000] [7] [INFO] Booting worker with pid: 7", severity="DEFAULT", log=STDERR_LOG),
    app_entry("bal-404", "2026-11-10T11:40:00.012Z", "2026-11-10T11:40:00.2Z",
              {"message": "account not found", "rid": trace_id("bal-404"), "account": "acc_missing"}, severity="INFO"),
    # revision 00042: trace set; this one line lacks rid (the "missing field" line)
    rejected("rec-b2", "2026-11-10T12:02:05.404Z", "2026-11-10T12:02:05.65Z", "B", with_rid=False),
    rejected("settle-c1", "2026-11-10T14:20:05.613Z", "2026-11-10T14:20:05.84Z", "C"),
    rejected("settle-c2", "2026-11-10T14:20:15.704Z", "2026-11-10T14:20:15.93Z", "C"),
    app_entry(None, "2026-11-10T15:06:09.402Z", "2026-11-10T15:06:09.6Z",
              "[2026-11-10 15:06:09 +0000] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)", severity="DEFAULT", log=STDERR_LOG, n=1),
    app_entry(None, "2026-11-10T15:06:09.415Z", "2026-11-10T15:06:09.6Z",
              "[2026-11-10 15:06:09 +0000] [7] [INFO] Booting worker with pid: 7", severity="DEFAULT", log=STDERR_LOG, n=1),
    app_entry("settle-ok1", "2026-11-10T15:06:13.139Z", "2026-11-10T15:06:13.36Z",
              {"message": "settle completed", "rid": trace_id("settle-ok1"), "date": "2026-11-09", "settled": 9},
              severity="INFO", n=1),
    app_entry("ledger-500", "2026-11-10T16:00:30.001Z", "2026-11-10T16:00:30.12Z",
              {"message": "unhandled error in GET /v1/accounts/{account_id}/ledger", "rid": trace_id("ledger-500"),
               "error": "psycopg.errors.QueryCanceled: canceling statement due to statement timeout"},
              severity="ERROR"),
    rejected("rec-b3", "2026-11-10T18:02:05.368Z", "2026-11-10T18:02:05.6Z", "B"),
    app_entry("settle-ok2", "2026-11-11T02:00:05.026391Z", "2026-11-11T02:00:05.2Z",
              {"message": "settle completed", "rid": trace_id("settle-ok2"), "date": "2026-11-10", "settled": 31},
              severity="INFO"),
    rejected("rec-b4", "2026-11-11T06:02:05.413Z", "2026-11-11T06:02:05.64Z", "B"),
    # revision 00043 (from 2026-11-11 09:00): gunicorn logs through the JSON formatter
    app_entry(None, "2026-11-11T09:00:01.2Z", "2026-11-11T09:00:01.41Z",
              {"message": "Listening at: http://0.0.0.0:8080 (1)", "logger": "gunicorn.error"},
              severity="INFO", log=STDERR_LOG),
    app_entry(None, "2026-11-11T09:00:01.5Z", "2026-11-11T09:00:01.71Z",
              {"message": "invoker auth configured", "emailsConfigured": 1, "subsConfigured": 1},
              severity="INFO"),
    app_entry("locked-403", "2026-11-11T11:15:00.004Z", "2026-11-11T11:15:00.24Z",
              {"message": "account_access_denied", "rid": trace_id("locked-403"), "account": "acc_LOCKED",
               "reason": "account is locked for audit"},
              severity="WARNING"),
    rejected("settle-a4", "2026-11-12T02:00:01.704Z", "2026-11-12T02:00:01.93Z", "A"),
    rejected("settle-a5", "2026-11-12T02:00:11.746Z", "2026-11-12T02:00:11.97Z", "A"),
    rejected("settle-a6", "2026-11-12T02:00:31.863Z", "2026-11-12T02:00:32.08Z", "A"),
]

WORKER = """\
2026-11-10T02:00:00.412Z nightly-settle starting date=2026-11-09 trigger=scheduler target=https://ledger-api-482913650217.europe-west1.run.app/internal/settle
2026-11-10T02:00:01.733Z nightly-settle attempt 1/3 FAILED: HTTP 403 Forbidden
2026-11-10T02:00:11.802Z nightly-settle attempt 2/3 FAILED: HTTP 403 Forbidden
2026-11-10T02:00:31.915Z nightly-settle attempt 3/3 FAILED: HTTP 403 Forbidden
2026-11-10T02:00:31.920Z nightly-settle completed ok:false settled=0 lastStatus=403
2026-11-10T14:20:04Z nightly-settle starting date=2026-11-09 trigger=manual target=https://ledger-api-482913650217.europe-west1.run.app/internal/settle
2026-11-10T14:20:05.640Z nightly-settle attempt 1/2 FAILED: HTTP 403 Forbidden
2026-11-10T14:20:15.731Z nightly-settle attempt 2/2 FAILED: HTTP 403 Forbidden
2026-11-10T14:20:15.735Z nightly-settle completed ok:false settled=0 lastStatus=403
2026-11-10T15:06:10Z nightly-settle starting date=2026-11-09 trigger=manual target=https://ledger-api-482913650217.europe-west1.run.app/internal/settle
2026-11-10T15:06:12Z nightly-settle completed ok:true settled=9
2026-11-11T02:00:00.390Z nightly-settle starting date=2026-11-10 trigger=scheduler target=https://ledger-api-482913650217.europe-west1.run.app/internal/settle
2026-11-11T02:00:04.117Z nightly-settle completed ok:true settled=31
2026-11-12T02:00:00.401Z nightly-settle starting date=2026-11-11 trigger=scheduler target=https://ledger-api-482913650217.europe-west1.run.app/internal/settle
2026-11-12T02:00:01.731Z nightly-settle attempt 1/3 FAILED: HTTP 403 Forbidden
2026-11-12T02:00:11.779Z nightly-settle attempt 2/3 FAILED: HTTP 403 Forbidden
2026-11-12T02:00:31.890Z nightly-settle attempt 3/3 FAILED: HTTP 403 Forbidden
2026-11-12T02:00:31.894Z nightly-settle completed ok:false settled=0 lastStatus=403
"""


def ts_key(e: dict) -> tuple:
    # order by instant: pad the fraction so "02:00:02Z" < "02:00:02.9Z"
    ts = e["timestamp"].rstrip("Z")
    base, _, frac = ts.partition(".")
    return (base, frac.ljust(9, "0"))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    reqs = [request_entry(r) for r in REQUESTS]
    newest_first = sorted(reqs, key=ts_key, reverse=True)  # gcloud's default order
    text = json.dumps(newest_first, indent=2) + "\n"
    (OUT / "requests.json").write_text(text)

    app_sorted = sorted(APP, key=ts_key)
    (OUT / "app.jsonl").write_text("".join(json.dumps(e) + "\n" for e in app_sorted))

    (OUT / "worker.txt").write_text(WORKER)

    # The same query downloaded again; the connection died inside the 6th entry.
    cut_entries = json.dumps(newest_first[:6], indent=2)
    marker = '"requestUrl": "https://ledger-api-482913650217.europe-west1.run.app/inter'
    sixth = cut_entries.rfind('"httpRequest"')
    cut_at = cut_entries.find(marker, sixth) + len(marker)
    (OUT / "truncated.json").write_text(cut_entries[:cut_at])

    combined = sorted(reqs + APP, key=ts_key, reverse=True)
    (OUT / "combined").mkdir(exist_ok=True)
    (OUT / "combined" / "ledger-api-all.json").write_text(json.dumps(combined, indent=2) + "\n")


if __name__ == "__main__":
    main()
