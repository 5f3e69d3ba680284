"""Exports read in blocks of raw bytes: entries that straddle a block boundary, UTF-16 and BOM'd
exports, and the sieve that lets the reader pass over entries that cannot match without cutting
them out (each export form, any block size, the same entries and counts as without it)."""

from __future__ import annotations

import gzip
import io
import json
from itertools import chain
from pathlib import Path
from typing import Any

import pytest

from certify.kinds.log_proof import LogExpect, LogProofFields, build_query
from certify.targets.logread import LogReadError, Passed, Record, open_export, read_records
from certify.targets.logs import Scan, scan_records, sieve_for
from certify.targets.logsieve import Sieve
from tests.logs.logcheck import run_check

URL = "https://a.run.app/integrations/withings/backfill"


def entry(i: int) -> dict[str, Any]:
    """Entry i: every 7th is a call to the backfill, every 3rd of those a 403; one in 5 has a
    message with escapes (a quote, a newline, a tab), one in 11 non-ASCII text."""
    url = URL if i % 7 == 3 else f"https://a.run.app/users/{i}"
    e: dict[str, Any] = {"insertId": f"id{i:05d}", "logName": "projects/p/logs/run.googleapis.com%2Frequests",
                         "httpRequest": {"requestUrl": url, "status": 403 if i % 21 == 3 else 200},
                         "resource": {"labels": {"service_name": "oli-api"}, "type": "cloud_run_revision"},
                         "timestamp": f"2026-11-{1 + i % 28:02d}T10:00:{i % 60:02d}Z"}
    if i % 5 == 0:
        e["jsonPayload"] = {"message": f'said "hi"\n\tto {i}'}
    if i % 11 == 0:
        e["textPayload"] = f"café {i} ✓"
    return e


ENTRIES = [entry(i) for i in range(200)]


def export(form: str, entries: list[dict[str, Any]] = ENTRIES) -> bytes:
    text = {"gcloud": json.dumps(entries, indent=2, ensure_ascii=False),
            "crlf": json.dumps(entries, indent=2).replace("\n", "\r\n"),
            "compact": json.dumps(entries), "indent4": json.dumps(entries, indent=4),
            "jsonl": "".join(json.dumps(e) + "\n" for e in entries)}[form]
    return text.encode()


def read(data: bytes, block: int, sieve: Sieve | None = None) -> list[Record | Passed]:
    return list(read_records(io.BytesIO(data), "export.json", sieve, block=block))


BLOCKS = [1, 7, 64, 1000, 1 << 20]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("form", ["gcloud", "crlf", "compact", "indent4", "jsonl"])
def test_entries_that_straddle_block_boundaries_are_read_whole(form: str, block: int) -> None:
    records = read(export(form), block)
    assert all(isinstance(r, Record) for r in records)
    assert [r.entry() for r in records if isinstance(r, Record)] == ENTRIES


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8"])
@pytest.mark.parametrize("form", ["gcloud", "jsonl"])
def test_an_export_with_a_byte_order_mark_is_decoded(tmp_path: Path, form: str, encoding: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes("\ufeff".encode(encoding) + export(form).decode().encode(encoding))
    with open_export(path) as stream:
        got = [r.entry() for r in read_records(stream, "export.json", block=100)]
    assert got == ENTRIES


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_403_in_a_utf16_export_makes_the_claim_false(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/a.json").write_bytes(("\ufeff" + export("gcloud").decode()).encode(encoding))
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403", "since": "2026-11-01T00:00:00Z"})
    assert hyp["verdict"] == "FALSE", hyp["reason"]


def backfill_sieve() -> Sieve:
    return Sieve([("/integrations/withings/backfill", False)])


@pytest.mark.parametrize("block", BLOCKS)
def test_the_sieve_cuts_out_only_the_entries_that_can_match(block: int) -> None:
    items = read(export("gcloud"), block, backfill_sieve())
    cut = [r.entry()["insertId"] for r in items if isinstance(r, Record)]
    passed = sum(p.count for p in items if isinstance(p, Passed))
    assert cut == [e["insertId"] for e in ENTRIES if e["httpRequest"]["requestUrl"] == URL]
    assert len(cut) + passed == len(ENTRIES)
    assert {p.source for p in items if isinstance(p, Passed)} == {"export.json"}


@pytest.mark.parametrize("spelling", ["\\/integrations\\/withings\\/backfill",
                                      "/integrations/withings/\\u0062ackfill"])
def test_the_sieve_never_passes_over_an_escaped_anchor(spelling: str) -> None:
    entries = [entry(1), {**entry(2), "httpRequest": {"requestUrl": "X", "status": 200}}, entry(4)]
    text = json.dumps(entries, indent=2).replace('"X"', f'"https://a.run.app{spelling}"')
    items = read(text.encode(), 64, backfill_sieve())
    assert [r.entry()["insertId"] for r in items if isinstance(r, Record)] == ["id00002"]
    assert sum(p.count for p in items if isinstance(p, Passed)) == 2


def test_a_folded_anchor_in_non_ascii_text_is_never_passed_over() -> None:
    sieve = Sieve([("oli-api", True)])
    entries = [{**{k: v for k, v in entry(i).items() if k != "textPayload"},
                "resource": {"labels": {"service_name": "other"}}} for i in range(30)]
    assert not [r for r in read(export("gcloud", entries), 1 << 20, sieve) if isinstance(r, Record)]
    entries[12]["textPayload"] = "caf\u00e9 \u2713"  # non-ASCII text: a folded literal cannot be ruled out
    items = read(export("gcloud", entries), 1 << 20, sieve)
    assert "id00012" in [r.entry()["insertId"] for r in items if isinstance(r, Record)]
    assert sum(r.count if isinstance(r, Passed) else 1 for r in items) == 30


def test_a_hit_between_two_entries_cuts_out_neither() -> None:
    one_member = [{"insertId": f"id{i}"} for i in range(4)]  # no comma inside an entry: only between
    items = read(export("gcloud", one_member), 1 << 20, Sieve([(",", True)]))
    assert items == [Passed("export.json", 3), Passed("export.json", 1)]


def test_entries_separated_otherwise_are_cut_out_whole_and_counted_once() -> None:
    text = json.dumps(ENTRIES[:10], indent=2).replace("\n  },\n  {", "\n  },\n\n  {", 1)  # a blank line
    items = read(text.encode(), 1 << 20, Sieve([("insertId", False)]))  # in every entry
    assert [r.entry() for r in items if isinstance(r, Record)] == ENTRIES[:10]
    assert not [p for p in items if isinstance(p, Passed)]


QUERIES = [
    {"filter": 'httpRequest.requestUrl=~"/integrations/withings/backfill" AND httpRequest.status=200'},
    {"filter": 'resource.labels.service_name="oli-api" AND httpRequest.requestUrl:"backfill"',
     "none": 'httpRequest.requestUrl:"backfill" AND httpRequest.status=403'},
    {"filter": 'jsonPayload.message:"hi"', "expect": LogExpect(min=0, max=0)},  # needs an entry in the window
    {"none": 'textPayload:"café"'},  # a literal JSON may escape: no sieve
    {"none": 'httpRequest.requestUrl:"/nowhere"'},  # in no entry: the window is seen all the same
    {"filter": 'jsonPayload.message:"nowhere"', "expect": LogExpect(min=0, max=0)},  # a field to see
]


def scan(data: bytes, check: dict[str, Any], block: int, sieved: bool) -> Scan:
    q = build_query(LogProofFields(since="2026-11-01T00:00:00Z", **check), 0.0)
    sieve = sieve_for(q) if sieved else None
    return scan_records(read_records(io.BytesIO(data), "export.json", sieve, block=block), q, sieve=sieve)


def facts(s: Scan) -> tuple[Any, ...]:
    return (s.matched, s.scanned, s.violations, s.both, s.ties, s.last_match, s.window_hit, s.per_source,
            s.matches.first(), s.matches.last(), s.violation_samples.last(), s.unlogged)


@pytest.mark.parametrize("block", [7, 300, 1 << 20])
@pytest.mark.parametrize("form", ["gcloud", "crlf", "jsonl"])
@pytest.mark.parametrize("check", QUERIES, ids=["filter", "none-after", "window", "no-literal", "nowhere",
                                           "field"])
def test_a_sieved_scan_finds_what_a_full_scan_finds(form: str, block: int, check: dict[str, Any]) -> None:
    data = export(form)
    assert facts(scan(data, check, block, True)) == facts(scan(data, check, 1 << 20, False))


@pytest.mark.parametrize("block", [7, 1 << 20])
@pytest.mark.parametrize("check", QUERIES[-2:], ids=["window", "field"])
def test_the_sieve_is_off_until_the_scan_has_seen_what_it_needs(block: int, check: dict[str, Any]) -> None:
    ascii_only = [{k: v for k, v in entry(i).items() if k != "textPayload"} for i in range(100)]
    data = json.dumps(ascii_only, indent=2).encode()  # no hit, no escape that could spell one
    full = scan(data, check, 1 << 20, False)
    assert facts(scan(data, check, block, True)) == facts(full)
    assert full.window_hit and not full.unlogged


def test_an_absence_over_a_window_without_a_hit_is_proven(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    ascii_only = [{k: v for k, v in entry(i).items() if k != "textPayload"} for i in range(100)]
    (tmp_path / "logs/a.json").write_text(json.dumps(ascii_only, indent=2))
    hyp = run_check(tmp_path, {"none": 'httpRequest.requestUrl:"/nowhere"', "since": "2026-11-01T00:00:00Z"})
    assert hyp["verdict"] == "TRUE", hyp["reason"]


def test_the_sieve_stays_off_until_an_entry_of_the_window_is_seen() -> None:
    old = [{**entry(i), "timestamp": "2026-10-01T00:00:00Z"} for i in range(50)]
    data = export("gcloud", old + ENTRIES)
    s = scan(data, {"none": 'httpRequest.requestUrl:"backfill" AND httpRequest.status=403'}, 64, True)
    assert s.window_hit and s.scanned == 250 and s.violations == 10


def test_entries_passed_over_count_for_their_own_export() -> None:
    check = {"none": 'httpRequest.requestUrl:"backfill" AND httpRequest.status=403'}
    q = build_query(LogProofFields(since="2026-11-01T00:00:00Z", **check), 0.0)
    sieve = sieve_for(q)
    first, second = export("crlf", ENTRIES[:150]), export("gcloud", ENTRIES[150:] + ENTRIES[:10])
    records = chain(*(read_records(io.BytesIO(data), name, sieve, block=1000)
                      for name, data in (("a.json", first), ("b.json", second))))
    s = scan_records(records, q, sieve=sieve)
    assert s.per_source == {"a.json": 150, "b.json": 60} and s.scanned == 210
    assert s.violations == 10 and s.duplicates == 1  # ENTRIES[3] is in both


def test_a_broken_entry_deep_in_an_export_is_reported_at_its_line() -> None:
    text = json.dumps(ENTRIES, indent=2)
    at = text.index('"id00150"')
    text = text[:at] + '"id00150" "oops",' + text[at + len('"id00150",'):]
    line = text.count("\n", 0, at) + 1
    with pytest.raises(LogReadError) as err:
        for rec in read_records(io.BytesIO(text.encode()), "export.json", backfill_sieve(), block=512):
            if isinstance(rec, Record):
                rec.entry()
    assert str(err.value).startswith(f"export.json:{line}: not valid JSON")


@pytest.mark.parametrize("cut", [60, 2])
def test_a_truncated_gcloud_export_is_an_error_with_or_without_the_sieve(cut: int) -> None:
    data = export("gcloud")[:-cut]
    for sieve in (None, backfill_sieve()):
        with pytest.raises(LogReadError, match="^export.json:[0-9]+: the JSON array is truncated"):
            read(data, 100, sieve)


def test_text_after_the_array_is_an_error_with_the_sieve() -> None:
    with pytest.raises(LogReadError, match="after the end of the JSON array"):
        read(export("gcloud") + b"\n[]\n", 100, backfill_sieve())


def test_a_gzip_export_is_read_with_the_sieve(tmp_path: Path) -> None:
    path = tmp_path / "export.json.gz"
    path.write_bytes(gzip.compress(export("gcloud")))
    with open_export(path) as stream:
        items = list(read_records(stream, "export.json.gz", backfill_sieve(), block=500))
    assert sum(isinstance(r, Record) for r in items) == 29
    assert sum(r.count if isinstance(r, Passed) else 1 for r in items) == 200
