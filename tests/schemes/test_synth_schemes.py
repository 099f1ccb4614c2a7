"""Synthetic scheme records and consents: reproducible from the seed, shaped for ingest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from xinyong.catalogue import get_catalogue
from xinyong.identity.uscc import is_valid_uscc
from xinyong.synth.schemes import AGENCIES, Resident, consents, write_feed

PEOPLE = [Resident(f"S{i:05d}", f"张{i}", "ric", f"3710821990010{i:05d}") for i in range(2000)]
DAY = date(2026, 11, 27)


def _read(d: Path) -> dict[str, list[str]]:
    return {p.name: p.read_text(encoding="utf-8").splitlines() for p in sorted(d.glob("*.jsonl"))}


def test_feed_is_reproducible_and_catalogue_bound(tmp_path: Path) -> None:
    counts = write_feed(PEOPLE, tmp_path / "a", seed=3, as_of=DAY)
    write_feed(PEOPLE, tmp_path / "b", seed=3, as_of=DAY)
    assert _read(tmp_path / "a") == _read(tmp_path / "b")
    write_feed(PEOPLE, tmp_path / "c", seed=4, as_of=DAY)
    assert _read(tmp_path / "a") != _read(tmp_path / "c")
    kinds = get_catalogue().kinds
    by_agency = {a.code: set(a.kinds) for a in AGENCIES}
    assert all(is_valid_uscc(a.uscc or "") for a in AGENCIES)
    seen = set()
    for name, lines in _read(tmp_path / "a").items():
        agency = name.removeprefix("schemes_").removesuffix(".jsonl")
        for line in lines:
            row = json.loads(line)
            assert row["kind"] in kinds and row["kind"] in by_agency[agency]
            assert date.fromisoformat(row["decided_on"]) < DAY
            seen.add(row["kind"])
    assert seen == {"contract_default", "utility_default", "volunteer_service", "blood_donation"}
    assert sum(counts.values()) == sum(len(v) for v in _read(tmp_path / "a").values())


def test_consents_share_and_withdrawals() -> None:
    rows = consents(PEOPLE, seed=3, as_of=DAY, share=0.6, withdrawn=0.05)
    assert rows == consents(PEOPLE, seed=3, as_of=DAY, share=0.6, withdrawn=0.05)
    assert 0.55 < len(rows) / len(PEOPLE) < 0.65
    gone = [r for r in rows if r[2] is not None]
    assert 0 < len(gone) < 0.1 * len(rows)
    assert all(g < w <= DAY for _, g, w in gone if w is not None)
    assert all(g < DAY for _, g, _ in rows)
