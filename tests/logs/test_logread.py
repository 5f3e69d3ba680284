"""Log exports as they come: gcloud JSON arrays (any layout), JSON Lines, text lines, gzip.
A damaged export is a clear error naming the file and line, never a partial answer."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from certify.targets.logquery import parse
from certify.targets.logread import LogReadError, open_export, read_records
from certify.targets.logs import Query, scan_records

ENTRIES = [{"timestamp": f"2026-11-20T00:00:0{i}Z", "insertId": f"id{i}", "textPayload": f"line {i}\nmore",
            "httpRequest": {"status": 200 if i % 2 else 403}} for i in range(6)]


def read(path: Path) -> list[dict]:
    with open_export(path) as stream:
        return [r.entry() for r in read_records(stream, path.name)]


@pytest.mark.parametrize("form", ["gcloud", "compact", "indent4", "jsonl", "crlf", "gzip"])
def test_every_export_form_reads_the_same_entries(tmp_path: Path, form: str) -> None:
    text = {"gcloud": json.dumps(ENTRIES, indent=2), "compact": json.dumps(ENTRIES),
            "indent4": json.dumps(ENTRIES, indent=4),
            "crlf": json.dumps(ENTRIES, indent=2).replace("\n", "\r\n"),
            "jsonl": "\n".join(json.dumps(e) for e in ENTRIES) + "\n",
            "gzip": json.dumps(ENTRIES, indent=2)}[form]
    path = tmp_path / "export.json"
    if form == "gzip":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_bytes(text.encode())
    assert read(path) == ENTRIES


def test_text_lines_become_timestamped_text_payloads(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2026-11-20T03:00:01.5Z job completed ok:true\n2026-11-20 04:00:00 local time, no zone\n"
                    "no timestamp on this line\n\n")
    assert read(path) == [
        {"timestamp": "2026-11-20T03:00:01.5Z", "textPayload": "job completed ok:true"},
        {"timestamp": "2026-11-20T04:00:00", "textPayload": "local time, no zone"},
        {"textPayload": "no timestamp on this line"}]


@pytest.mark.parametrize(("text", "says"), [
    (json.dumps(ENTRIES, indent=2)[:-60], "export.json:"),  # cut inside the last entry
    (json.dumps(ENTRIES, indent=2)[:-2], "truncated"),  # the closing bracket lost
    (json.dumps(ENTRIES)[:-30], "truncated"),
    (json.dumps(ENTRIES, indent=2) + "\ngarbage", "after the end"),
    ("[1, 2]", "expected log entries"),
    ('{"a": 1}\nnot json at all\n', "export.json:2: expected one JSON log entry per line"),
    ('{"a": 1}\n{"b": ', "truncated"),
])
def test_a_damaged_export_is_an_error_with_its_place(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(LogReadError) as err:
        read(path)
    assert says in str(err.value)
    assert str(err.value).startswith("export.json:")


def test_a_large_export_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    entry = {"insertId": "x", "httpRequest": {"status": 200, "requestUrl": "https://a.run.app/" + "p" * 400},
             "resource": {"labels": {"service_name": "other"}}, "timestamp": "2026-11-20T00:00:00Z"}
    with path.open("w") as fh:
        fh.write("[\n")
        for i in range(30_000):
            body = "  " + json.dumps(entry, indent=2).replace("\n", "\n  ")
            fh.write(("" if i == 0 else ",\n") + body)
        fh.write("\n]\n")
    assert path.stat().st_size > 15_000_000
    q = Query('resource.labels.service_name="oli-api"', parse('resource.labels.service_name="oli-api"'), 0)
    tracemalloc.start()
    with open_export(path) as stream:
        scan = scan_records(read_records(stream, "big.json"), q)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert scan.scanned == 30_000 and scan.matched == 0
    assert peak < 12_000_000, f"peak {peak} bytes for a {path.stat().st_size} byte file"


def test_a_truncated_gzip_export_is_unknown_naming_the_file(tmp_path: Path) -> None:
    from tests.logs.logcheck import run_check

    data = gzip.compress("".join(json.dumps(e) + "\n" for e in ENTRIES * 200).encode())
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/a.json.gz").write_bytes(data[:len(data) // 2])
    hyp = run_check(tmp_path, {"none": "httpRequest.status=500", "since": "2026-11-19T00:00:00Z"})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith("logs/a.json.gz: cannot read: the gzip stream is truncated")
