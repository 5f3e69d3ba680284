"""Writes the two Cloud Logging exports of this example (deterministic; rerun after a change,
never edit the outputs by hand):

  oli-api.json                      gcloud logging read 'resource.labels.service_name="oli-api"' --format=json
  onwithingsbackfillscheduled.json  gcloud logging read 'resource.labels.service_name="onwithingsbackfillscheduled"' --format=json

Both are JSON arrays, newest first (gcloud's order), keys sorted, indent 2. The story is in
../README.md ("The logs").
"""

import hashlib
import json
from pathlib import Path

PROJECT = "oli-prod"
API = "https://oli-api-1010034434203.us-central1.run.app"
BACKFILL = f"{API}/integrations/withings/backfill"
FN_SA = "oli-functions-runtime@oli-prod.iam.gserviceaccount.com"
FN_SUB = "112540986223087415907"
API_REV = {1: "oli-api-00017-tez", 2: "oli-api-00018-qov"}
FN_REV = {1: "onwithingsbackfillscheduled-00003-dac", 2: "onwithingsbackfillscheduled-00004-lur"}
IAM_TEXT = ("The request was not authorized to invoke this service. Read more at "
            "https://cloud.google.com/run/docs/securing/authenticating Additional troubleshooting "
            "documentation can be found at: https://cloud.google.com/run/docs/troubleshooting#401")


def at(ts, frac):
    """`2026-02-09T06:00:01Z` + `496120` -> `2026-02-09T06:00:01.496120Z`."""
    assert ts.endswith("Z") and "." not in ts, ts
    return f"{ts[:-1]}.{frac}Z"


def hexid(*parts, n=24):
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def resource(service, revision):
    return {"type": "cloud_run_revision",
            "labels": {"configuration_name": service, "location": "us-central1", "project_id": PROJECT,
                       "revision_name": revision, "service_name": service}}


def request(ts, method, path, status, ua, rev, trace, text=None):
    e = {"httpRequest": {"latency": f"0.{int(hexid(ts, 'l', n=4), 16) % 900000 + 10000:06d}s",
                         "protocol": "HTTP/1.1", "remoteIp": "34.118.240.17" if ua == "node" else "198.51.100.23",
                         "requestMethod": method, "requestSize": "1342" if method == "POST" else "611",
                         "requestUrl": f"{API}{path}", "responseSize": str({200: 512, 302: 0, 401: 88, 403: 97}[status]),
                         "serverIp": "216.239.38.53", "status": status, "userAgent": ua},
         "insertId": hexid(ts, "req"), "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Frequests",
         "receiveTimestamp": at(ts, "517220412"), "resource": resource("oli-api", API_REV[rev]),
         "severity": "WARNING" if status >= 400 else "INFO", "timestamp": at(ts, "496120"),
         "trace": f"projects/{PROJECT}/traces/{trace}"}
    if text:
        e["textPayload"] = text
    return e


def app_line(ts, rev, payload, trace=None, severity="INFO"):
    e = {"insertId": hexid(ts, payload["message"]), "jsonPayload": payload,
         "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout",
         "receiveTimestamp": at(ts, "558211945"), "resource": resource("oli-api", API_REV[rev]),
         "severity": severity, "timestamp": at(ts, "501845117")}
    if "rid" in payload:
        e["labels"] = {"rid": payload["rid"]}
    if trace:
        e["trace"] = f"projects/{PROJECT}/traces/{trace}"
    return e


def fn_line(ts, rev, text, severity="INFO"):
    return {"insertId": hexid(ts, text), "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout",
            "receiveTimestamp": at(ts, "448556741"),
            "resource": resource("onwithingsbackfillscheduled", FN_REV[rev]),
            "severity": severity, "textPayload": text, "timestamp": at(ts, "405655314")}


api, fn = [], []


def listening(ts, rev, emails, subs):
    api.append(app_line(ts, rev, {"message": "server_listening", "port": 8080, "revision": API_REV[rev],
                                  "invokerAudience": API, "emailsAllowlisted": emails, "subsAllowlisted": subs}))


def user_call(ts, rev, method, path, status, message, **fields):
    rid, trace = "r-" + hexid(ts, "rid", n=12), hexid(ts, "trace", n=32)
    api.append(request(ts, method, path, status, "Oli/1.9.0 (iPhone; iOS 18.2; Scale/3.00)", rev, trace))
    api.append(app_line(ts, rev, {"message": message, "rid": rid, **fields}, trace,
                        "WARNING" if status >= 400 else "INFO"))


def scheduled_run(day_hour, api_rev, fn_rev, outcome, **kw):
    """One run of the function at `day_hour` ("2026-02-09T06"): its config line, the POST as the
    API saw it, and how the function ended."""
    t0, t1, t2 = f"{day_hour}:00:00Z", f"{day_hour}:00:01Z", f"{day_hour}:00:02Z"
    audience = BACKFILL if fn_rev == 1 else API
    fn.append(fn_line(t0, fn_rev, f"backfill config revision={FN_REV[fn_rev]} serviceAccount={FN_SA} "
                                  f"url={BACKFILL} audience={audience}"))
    rid, trace = "r-" + hexid(day_hour, "rid", n=12), hexid(day_hour, "trace", n=32)
    if outcome == "iam":  # Cloud Run refused the call itself: no application line
        api.append(request(t1, "POST", "/integrations/withings/backfill", 403, "node", api_rev, trace, IAM_TEXT))
        body = "<html><head><title>403 Forbidden</title></head></html>"
    elif outcome == "rejected":
        api.append(request(t1, "POST", "/integrations/withings/backfill", 403, "node", api_rev, trace))
        fields = {"message": "invoker_auth_rejected", "rid": rid, "branch": "bearer", "errorCode": kw["code"],
                  "aud": audience, "emailPresent": False, "subPresent": True, "sub": FN_SUB}
        if kw.get("reason"):
            fields["verifyReason"] = kw["reason"]
        api.append(app_line(t1, api_rev, fields, trace, "WARNING"))
        body = json.dumps({"ok": False, "error": "forbidden", "rid": rid}, separators=(",", ":"))
    else:
        api.append(request(t1, "POST", "/integrations/withings/backfill", 200, "node", api_rev, trace))
        api.append(app_line(t1, api_rev, {"message": "invoker_auth_ok", "rid": rid, "branch": "bearer",
                                          "matchedBy": "sub", "sub": FN_SUB}, trace))
        api.append(app_line(t2, api_rev, {"message": "withings_backfill", "rid": rid,
                                          "processed": kw["processed"], "users": kw["users"]}, trace))
        fn.append(fn_line(t2, fn_rev, f"completed ok:true processed={kw['processed']}"))
        return
    fn.append(fn_line(t2, fn_rev, f"backfill request failed status=403 body={body}", "ERROR"))
    fn.append(fn_line(t2, fn_rev, "completed ok:false error=403", "ERROR"))


listening("2026-02-09T00:10:05Z", 1, 1, 0)
api.append(request("2026-02-09T03:00:00Z", "GET", "/health", 200, "GoogleStackdriverMonitoring-UptimeChecks(https://cloud.google.com/monitoring)", 1, hexid("h1", n=32)))
user_call("2026-02-09T05:40:12Z", 1, "GET", "/integrations/withings/callback", 302, "withings_oauth_callback",
          connected=True, backfill="running")
user_call("2026-02-09T05:41:03Z", 1, "GET", "/integrations/withings/status", 200, "withings_status",
          connected=True, backfill="running")
scheduled_run("2026-02-09T06", 1, 1, "iam")
scheduled_run("2026-02-09T12", 1, 1, "rejected", code="AUDIENCE_MISMATCH",
              reason="Wrong recipient, payload audience != requiredAudience")
scheduled_run("2026-02-09T18", 1, 2, "rejected", code="EMAIL_MISSING")
user_call("2026-02-09T19:12:44Z", 1, "GET", "/integrations/withings/status", 401, "user_auth_rejected")
scheduled_run("2026-02-10T00", 1, 2, "rejected", code="EMAIL_MISSING")
listening("2026-02-10T03:15:20Z", 2, 1, 1)
scheduled_run("2026-02-10T06", 2, 2, "ok", processed=14, users=1)
scheduled_run("2026-02-10T12", 2, 2, "ok", processed=9, users=1)
scheduled_run("2026-02-10T18", 2, 2, "ok", processed=2, users=1)
user_call("2026-02-10T18:20:31Z", 2, "GET", "/integrations/withings/status", 200, "withings_status",
          connected=True, backfill="complete")
user_call("2026-02-10T18:21:07Z", 2, "GET", "/users/me/raw-events?kinds=weight", 200, "raw_events_list",
          kinds="weight", count=25, sourceIds="withings")
scheduled_run("2026-02-11T00", 2, 2, "ok", processed=0, users=0)
api.append(request("2026-02-11T03:00:00Z", "GET", "/health", 200, "GoogleStackdriverMonitoring-UptimeChecks(https://cloud.google.com/monitoring)", 2, hexid("h2", n=32)))

here = Path(__file__).parent
for name, entries in (("oli-api.json", api), ("onwithingsbackfillscheduled.json", fn)):
    entries.sort(key=lambda e: e["timestamp"], reverse=True)
    (here / name).write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
    print(f"{name}: {len(entries)} entries")
