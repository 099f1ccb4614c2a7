"""Local score schemes: rule sets as data, opt-in consent, evaluation, comparison.

A scheme (Rongcheng, Fuzhou's Jasmine, Suqian's Xichu) is a YAML file: base score,
rules with their legal basis, tiers, area, version and effective dates. The loader
refuses what the 2020 State Council guidance forbids; evaluation scores consenting
residents as a batch job (:mod:`xinyong.batch`) on DuckDB or Spark.
"""

from xinyong.schemes.loader import LoadedScheme, SchemeRefused, load_scheme, parse, shipped
from xinyong.schemes.model import Rule, Scheme, Tier

__all__ = [
    "LoadedScheme",
    "Rule",
    "Scheme",
    "SchemeRefused",
    "Tier",
    "load_scheme",
    "parse",
    "shipped",
]
