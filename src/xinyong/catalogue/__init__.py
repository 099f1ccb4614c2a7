"""The public credit information catalogue, as versioned YAML data.

Record kinds with their legal bases, visibility, retention and publicity rules;
the legal instruments they cite; publicity regimes by severity; severity
derivation for penalties; masking per audience. Loaded and validated at
start-up (:func:`get_catalogue`): the platform refuses to start on an invalid
catalogue. See ``docs/catalogue.md``.
"""

from xinyong.catalogue.loader import DATA_DIR, Catalogue, get_catalogue, load_catalogue
from xinyong.catalogue.model import (
    Audience,
    Criterion,
    Instrument,
    KindView,
    LegalBasis,
    ListDef,
    MaskingPolicy,
    MeasureDef,
    Publicity,
    PublicityRuleKind,
    RecordKind,
    Regime,
    RegimeFamily,
    RetentionAnchor,
    Sector,
    Severity,
    SeverityResult,
    SeverityRule,
    SubjectKind,
)

__all__ = [
    "DATA_DIR",
    "Audience",
    "Catalogue",
    "Criterion",
    "Instrument",
    "KindView",
    "LegalBasis",
    "ListDef",
    "MaskingPolicy",
    "MeasureDef",
    "Publicity",
    "PublicityRuleKind",
    "RecordKind",
    "Regime",
    "RegimeFamily",
    "RetentionAnchor",
    "Sector",
    "Severity",
    "SeverityResult",
    "SeverityRule",
    "SubjectKind",
    "get_catalogue",
    "load_catalogue",
]
