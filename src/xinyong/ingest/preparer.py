"""Preparing rows for the writer: everything about a row that needs no database.

A row is read, mapped, normalised, checked against the reporting agency's kinds and the
registered deciding authorities, and turned into its record row as far as the row alone
decides it (publicity included). The result is plain data (tuples, lists, strings), so a
chunk can cross from a preparing process to the writing one as one cheap pickle
(``xinyong.ingest.worker``); the same functions serve the single-process path, so both
paths hand the writer the same values.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from xinyong.actors import Agency
from xinyong.catalogue import Catalogue
from xinyong.catalogue.publicity import PublicityEngine, PublicityFields
from xinyong.ingest import normalise as N
from xinyong.ingest.mapping import Mapping
from xinyong.ingest.readers import (
    RawRow,
    SourceFile,
    Values,
    chunked,
    has_surrogates,
    undecodable_seen,
)
from xinyong.store.bulk import dumps

#: the ``records`` columns in table order; a prepared record row is a list in this order
#: (``tests/ingest`` checks it against the table)
RECORD_COLUMNS = (
    "record_id",
    "version",
    "reporting_agency",
    "source_key",
    "subject_id",
    "kind",
    "content_hash",
    "deciding_authority",
    "decision_no",
    "linked_to",
    "decided_on",
    "published_on",
    "valid_from",
    "valid_to",
    "legal_basis_text",
    "severity",
    "severity_derived",
    "amount_fen",
    "status",
    "ended_on",
    "publication",
    "regime_id",
    "display_until",
    "repair_from",
    "repair_regime_id",
    "flags",
    "attributes",
    "locked",
    "batch_id",
    "source_row",
    "recorded_at",
    "last_seen_at",
    "superseded_at",
)
COL = {name: i for i, name in enumerate(RECORD_COLUMNS)}


#: a legal representative: (name, scheme, value, legacy 15-digit ID)
Rep = tuple[str, "str | None", "str | None", "str | None"]
#: a row that passed every check the row alone allows; the writer decides the rest:
#: (row, source_key, content_hash, subject_kind, subject_name, id_scheme, id_value, region,
#: legacy15, rep, record). ``rep`` is an organisation's legal representative (never set
#: for a person); ``record`` is the record row in ``RECORD_COLUMNS`` order, in storage
#: form, for the writer to fill in the id, version, subject, link, batch and timestamps.
#: Plain tuples, so ``marshal`` moves them between processes.
Ready = tuple[
    int, str, str, str, str, str, str, "str | None", "str | None", "Rep | None", list[Any]
]
#: a row for the quarantine: (row, reason, message, raw content as header → value)
Refused = tuple[int, str, str, "RawRow | str"]


class Chunk(NamedTuple):
    """One chunk of prepared rows, in file order."""

    first: int
    last: int
    rows: int
    ready: list[Ready]
    refused: list[Refused]
    #: the raw content of each ``ready`` row, needed only when the store refuses one
    #: (a conflict with a corrected version): a pickle, unpacked on demand
    raws: Callable[[], list[RawRow | Values | str]]


class RowPreparer:
    """The pure per-row work for one ingest (mapping, catalogue, agencies, 'today')."""

    def __init__(
        self,
        cat: Catalogue,
        agency: Agency,
        agencies: list[Agency],
        mapping: Mapping,
        header: list[str],
        today: date,
    ) -> None:
        self.cat = cat
        self.agency = agency
        self.agencies = agencies
        self.mapping = mapping
        self.header = header
        self.plan = mapping.plan(header)
        self.today = today
        self.normaliser = N.Normaliser(mapping, cat, today)
        self.kinds_ok = frozenset(agency.kinds)
        self.by_uscc: dict[str, Agency] = {}
        self.by_name: dict[str, Agency] = {}
        for a in agencies:
            if a.uscc:
                self.by_uscc[a.uscc] = a
            self.by_name[fold_name(a.name_zh)] = a
            if a.name_en:
                self.by_name[fold_name(a.name_en)] = a
        self.today_iso = today.isoformat()
        # the catalogue's publicity rule without a model per row; each (kind, sector) pair
        # goes through ``Catalogue.publicity`` once, for its checks and errors
        self.engine: PublicityEngine = cat._engine
        self.publicity_checked: set[tuple[str, str | None]] = set()
        self.publicity_of: dict[tuple[Any, ...], PublicityFields] = {}
        self.flags_json: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self.authority_of: dict[tuple[str | None, str | None], Agency | None] = {}
        # a CSV row's mapped fields straight from its values (see ``fields_of``)
        last = {h: i for i, h in enumerate(header)}
        self.plan_fields = tuple(f for _, f in self.plan)
        idx = [last.get(h, -1) for h, _ in self.plan]
        self.plan_all = idx == list(range(len(header)))
        self.plan_known = -1 not in idx
        self.plan_get: Callable[[Values], tuple[str | None, ...]] | None = (
            itemgetter(*idx) if len(idx) > 1 and self.plan_known else None
        )

    # --- chunks -------------------------------------------------------------------

    def chunks(self, src: SourceFile, start_row: int, size: int) -> Iterator[Chunk]:
        """The file's rows from ``start_row`` on, prepared, in chunks of ``size`` rows."""
        before = undecodable_seen()
        for rows in chunked(src.raw_rows(start_row), size):
            ready, refused, raws = self.chunk_parts(rows, clean=undecodable_seen() == before)
            yield Chunk(rows[0][0], rows[-1][0], len(rows), ready, refused, constant(raws))

    def chunk_parts(
        self, rows: list[tuple[int, RawRow | Values | str]], *, clean: bool = False
    ) -> tuple[list[Ready], list[Refused], list[RawRow | Values | str]]:
        """Prepare a chunk's rows; ``clean``: the reader met no undecodable bytes (see
        ``readers.undecodable_seen``), so CSV values need no search for them."""
        ready: list[Ready] = []
        refused: list[Refused] = []
        raws: list[RawRow | Values | str] = []
        prepare = self.prepare
        for row_no, raw in rows:
            out = prepare(row_no, raw, clean)
            if len(out) == 11:
                ready.append(out)  # type: ignore[arg-type]
                raws.append(raw)
            else:
                refused.append(out)  # type: ignore[arg-type]
        return ready, refused, raws

    def raw_of(self, raw: RawRow | Values | str) -> RawRow | str:
        """A row's raw content as the quarantine keeps it (header → value)."""
        if isinstance(raw, tuple):
            return dict(zip(self.header, raw, strict=True))
        return raw

    # --- one row ------------------------------------------------------------------

    def prepare(
        self, row_no: int, raw: RawRow | Values | str, clean: bool = False
    ) -> Ready | Refused:
        """Map, normalise and check one row, and build its record row."""
        if isinstance(raw, str):
            return (row_no, N.MALFORMED_ROW, f"row {row_no} {raw}", raw)
        if isinstance(raw, tuple):
            if not clean and _values_have_surrogates(raw):
                shown = {k: _show_bytes(v) for k, v in zip(self.header, raw, strict=True)}
                return (row_no, N.BAD_ENCODING, _BAD_TEXT, shown)
            fields = self.fields_of(raw)
        else:
            if has_surrogates(raw):
                shown = {k: _show_bytes(v) for k, v in raw.items()}
                return (row_no, N.BAD_ENCODING, _BAD_TEXT, shown)
            fields = {f: raw.get(h) for h, f in self.plan}
        res = self.normaliser(row_no, fields)
        if isinstance(res, N.Rejection):
            return (row_no, res.reason, res.message, self.raw_of(raw))
        if res.kind not in self.kinds_ok:
            msg = f"agency {self.agency.code} may not report {res.kind} records"
            return (row_no, N.KIND_NOT_PERMITTED, msg, self.raw_of(raw))
        auth = self.authority(res)
        if auth is None:
            who = res.authority_uscc or res.authority_name
            msg = (
                f"deciding authority {who!r} is not a registered agency "
                "(register it with `xinyong agencies add`)"
            )
            return (row_no, N.UNREGISTERED_AUTHORITY, msg, self.raw_of(raw))
        res.authority_code = auth.code
        res.authority_sector = auth.sector
        rep = res.legal_rep
        return (
            row_no,
            res.source_key,
            res.content_hash,
            res.subject_kind,
            res.subject_name,
            res.id_scheme,
            res.id_value,
            res.region,
            res.legacy15,
            None
            if rep is None or res.subject_kind == "person"
            else (rep.name, rep.scheme, rep.value, rep.legacy15),
            self.record_row(res),
        )

    def fields_of(self, values: Values) -> dict[str, str | None]:
        """The mapped fields of a CSV row, as ``{f: row.get(h) for h, f in plan}`` gives them."""
        if self.plan_all:
            return dict(zip(self.plan_fields, values, strict=True))
        if self.plan_get is not None:
            return dict(zip(self.plan_fields, self.plan_get(values), strict=True))
        row = dict(zip(self.header, values, strict=True))
        return {f: row.get(h) for h, f in self.plan}

    def publicity(self, cand: N.Candidate) -> PublicityFields:
        """The catalogue's publicity fields, memoised: the inputs repeat across a feed."""
        decided_on = cand.decided_on or self.today
        penalty_types = cand.attributes.get("penalty_types")
        key = (
            cand.kind,
            cand.severity,
            decided_on,
            cand.authority_sector,
            cand.feed_display_until,
            cand.valid_to,
            penalty_types,
        )
        try:
            return self.publicity_of[key]
        except KeyError:
            pass
        if (cand.kind, cand.authority_sector) not in self.publicity_checked:
            self.cat.publicity(
                cand.kind,
                severity=cand.severity,
                decided_on=decided_on,
                sector=cand.authority_sector,
                feed_display_until=cand.feed_display_until,
                valid_to=cand.valid_to,
                today=self.today,
                penalty_types=penalty_types,
            )
            self.publicity_checked.add((cand.kind, cand.authority_sector))
        fields = self.engine.fields(
            cand.kind,
            cand.severity,
            decided_on,
            cand.authority_sector,
            cand.feed_display_until,
            cand.valid_to,
            self.today,
            None,
            penalty_types,
        )
        return N.remember(self.publicity_of, key, fields)

    def flags(self, own: list[str], derived: tuple[str, ...]) -> str:
        key = (tuple(own), derived)
        out = self.flags_json.get(key)
        if out is None:
            out = self.flags_json[key] = dumps(sorted(set(own) | set(derived)))
        return out

    def authority(self, c: N.Candidate) -> Agency | None:
        key = (c.authority_uscc, c.authority_name)
        try:
            return self.authority_of[key]
        except KeyError:
            pass
        found: Agency | None
        if c.authority_uscc:
            code = unicodedata.normalize("NFKC", c.authority_uscc).strip().upper()
            found = self.by_uscc.get(code)
        elif c.authority_name:
            found = self.by_name.get(fold_name(c.authority_name))
        else:
            found = self.agency
        self.authority_of[key] = found
        return found

    def record_row(self, cand: N.Candidate) -> list[Any]:
        """The record row as far as it follows from the row alone (no store state).

        Values are in storage form already (ISO dates, encoded JSON), which both engines
        accept as they are.
        """
        pub = self.publicity(cand)
        revoked = cand.status == "revoked"
        decided_on = cand.decided_on
        valid_from = cand.valid_from
        valid_to = cand.valid_to
        display_until = pub.display_until
        repair_from = pub.repair_from
        return [
            None,  # record_id: a new record's id is drawn when it is written
            None,  # version
            self.agency.code,
            cand.source_key,
            None,  # subject_id
            cand.kind,
            cand.content_hash,
            cand.authority_code,
            cand.decision_no,
            None,  # linked_to
            None if decided_on is None else decided_on.isoformat(),
            self.today_iso,  # published_on
            None if valid_from is None else valid_from.isoformat(),
            None if valid_to is None else valid_to.isoformat(),
            cand.legal_basis_text,
            cand.severity,
            cand.severity_derived,
            cand.amount_fen,
            cand.status,
            self.today_iso if revoked else None,  # ended_on
            "withdrawn" if revoked else ("published" if pub.published else "unpublished"),
            pub.regime_id,
            None if display_until is None else display_until.isoformat(),
            None if repair_from is None else repair_from.isoformat(),
            pub.repair_regime_id,
            self.flags(cand.flags, pub.flags),
            cand.attributes_json,
            False,  # locked
            None,  # batch_id
            cand.row,  # source_row
            None,  # recorded_at
            None,  # last_seen_at
            None,  # superseded_at
        ]


_BAD_TEXT = "the row has bytes that are not valid text"


def fold_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def constant(raws: list[RawRow | Values | str]) -> Callable[[], list[RawRow | Values | str]]:
    """``Chunk.raws`` for raw rows already at hand."""
    return lambda: raws


def _values_have_surrogates(values: Values) -> bool:
    text = "".join([v for v in values if v])
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _show_bytes(v: str | None) -> str | None:
    """Undecodable bytes (kept as surrogates) shown as \\xNN escapes in the quarantine."""
    if v is None:
        return None
    return v.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
