"""Credit scorecards: fit, compile to portable JSON, score with reason codes, monitor.

Scoring needs only numpy and pyarrow: a card is a JSON document (``card.py``) compiled to
lookup tables (``scorer.py``). Fitting (``fit.py``) is a lean monotone binner, WoE and an
L2 logistic regression in numpy. ``from_optbinning`` compiles an optbinning ``Scorecard``
into the same format. See docs/scorecard.md.
"""

from xinyong.scorecard.card import Card, card_from_json, load_card, save_card
from xinyong.scorecard.fit import FitOptions, fit_scorecard
from xinyong.scorecard.metrics import Metrics, PsiReport, evaluate, psi_report
from xinyong.scorecard.optbinning_compat import from_optbinning
from xinyong.scorecard.reasons import reason_codes
from xinyong.scorecard.scorer import Scorer

__all__ = [
    "Card",
    "FitOptions",
    "Metrics",
    "PsiReport",
    "Scorer",
    "card_from_json",
    "evaluate",
    "fit_scorecard",
    "from_optbinning",
    "load_card",
    "psi_report",
    "reason_codes",
    "save_card",
]
