"""Benchmark data for local schemes: a city's records and consents as snapshot Parquet.

Vectorised (NumPy + Arrow), written in chunks of residents so 10 million residents
(about 100 million records) never sit in memory at once. Each resident has one
residence record (95 % in Rongcheng 371082), about nine other records (six kinds no
scheme scores, three it may), and consents with probability 0.7 (a tenth of them
withdrawn). Only the columns a scheme evaluation reads are written (the store export
reads those too; ``xinyong.schemes.job.COLUMNS``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from xinyong.batch import Snapshot, write_manifest
from xinyong.batch.snapshot import table_schema
from xinyong.schemes.job import COLUMNS
from xinyong.store.tables import records, scheme_consents

EPOCH = date(1970, 1, 1)
AS_OF = date(2026, 11, 1)
KINDS = np.array(
    [
        "administrative_licence",
        "credit_commitment",  # not scored
        "administrative_penalty",
        "court_dishonest_listing",
        "honour",
        "volunteer_service",
        "utility_default",
        "contract_default",
        "blood_donation",
    ]
)
WEIGHTS = np.array([0.40, 0.27, 0.08, 0.03, 0.05, 0.08, 0.05, 0.02, 0.02])
ATTRS = {
    "utility_default": [
        '{"content":"water","grounds":"late_payment"}',
        '{"content":"heating","grounds":"theft"}',
        '{"content":"power","grounds":"court_found_arrears"}',
    ],
    "contract_default": [
        '{"content":"lending","grounds":"creditor_report"}',
        '{"content":"lease","grounds":"judgment_liable"}',
    ],
}


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    nums = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, 24, "0"), "")


def _days(d: date) -> int:
    return (d - EPOCH).days


def _take(values: list[str | None], idx: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(idx.astype(np.int64)))


def _chunk(
    rng: np.random.Generator, start: int, n: int, rec_start: int
) -> tuple[pa.Table, pa.Table]:
    subj = _ids("P", start, n)
    # residence: one each
    res_attr = _take(['{"region":"371082"}', '{"region":"350102"}'], (rng.random(n) >= 0.95))
    res_day = rng.integers(_days(date(1990, 1, 1)), _days(AS_OF), n)
    # other records: Poisson(9) per resident
    k = rng.poisson(9, n)
    m = int(k.sum())
    owner = np.repeat(np.arange(n), k)
    kind_idx = rng.choice(len(KINDS), size=m, p=WEIGHTS)
    # attributes: "{}" (0) or one of the kind's variants
    options = ["{}"]
    attr_idx = np.zeros(m, dtype=np.int64)
    for kd, variants in ATTRS.items():
        sel = np.flatnonzero(KINDS[kind_idx] == kd)
        attr_idx[sel] = len(options) + rng.integers(0, len(variants), len(sel))
        options += variants
    day = rng.integers(_days(date(2020, 1, 1)), _days(AS_OF), m)
    penalty = KINDS[kind_idx] == "administrative_penalty"
    sev_idx = np.where(penalty, rng.integers(1, 4, m), 0)
    revoked = rng.random(m) < 0.03
    total = n + m
    schema = table_schema(records, COLUMNS["records"])
    recs = pa.table(
        {
            "record_id": _ids("R", rec_start, total),
            "subject_id": pa.concat_arrays([subj, subj.take(pa.array(owner))]),
            "kind": pa.concat_arrays(
                [_take(["residence"], np.zeros(n)), _take(list(KINDS), kind_idx)]
            ),
            "decided_on": pa.array(np.concatenate([res_day, day]).astype("int32"), pa.int32()).cast(
                pa.date32()
            ),
            "status": pa.concat_arrays(
                [_take(["in_force"], np.zeros(n)), _take(["in_force", "revoked"], revoked)]
            ),
            "ended_on": pa.nulls(total, pa.date32()),
            "superseded_at": pa.nulls(total, pa.timestamp("us", tz="UTC")),
            "severity": pa.concat_arrays(
                [pa.nulls(n, pa.string()), _take([None, "minor", "general", "serious"], sev_idx)]
            ),
            "attributes": pa.concat_arrays([res_attr, _take(options, attr_idx)]),
        },
        schema=schema,
    )
    yes = rng.random(n) < 0.7
    idx = np.flatnonzero(yes)
    given = rng.integers(_days(date(2022, 1, 1)), _days(AS_OF), len(idx))
    gone = np.where(rng.random(len(idx)) < 0.1, given + rng.integers(1, 400, len(idx)), -1)
    cons = pa.table(
        {
            "scheme_id": _take(["rongcheng"], np.zeros(len(idx))),
            "subject_id": subj.take(pa.array(idx)),
            "given_on": pa.array(given.astype("int32"), pa.int32()).cast(pa.date32()),
            "withdrawn_on": pa.array(gone.astype("int32"), pa.int32(), mask=gone < 0).cast(
                pa.date32()
            ),
        },
        schema=table_schema(scheme_consents, COLUMNS["scheme_consents"]),
    )
    return recs, cons


def generate(out: Path, residents: int, *, seed: int = 6, chunk: int = 500_000) -> Snapshot:
    """Write ``records.parquet`` and ``scheme_consents.parquet`` for ``residents``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rpath, cpath = out / "records.parquet", out / "scheme_consents.parquet"
    rw = pq.ParquetWriter(rpath, table_schema(records, COLUMNS["records"]))
    cw = pq.ParquetWriter(cpath, table_schema(scheme_consents, COLUMNS["scheme_consents"]))
    rec_start = 0
    for start in range(0, residents, chunk):
        n = min(chunk, residents - start)
        recs, cons = _chunk(rng, start, n, rec_start)
        rec_start += recs.num_rows
        rw.write_table(recs, row_group_size=1_000_000)
        cw.write_table(cons)
    rw.close()
    cw.close()
    return write_manifest(
        out, {"records": rpath, "scheme_consents": cpath}, datetime(2026, 11, 1, tzinfo=UTC)
    )
