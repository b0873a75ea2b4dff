"""Shuzhuan's matching engine: a pure library pairing SME needs with vendor offerings.

It imports neither Flask nor SQLAlchemy, so it can be evaluated, benchmarked and
reused from the command line on the JSONL files of ../shared/data-formats.md.
"""

from matching.capabilities import suggest_capabilities
from matching.constraints import HardLimits
from matching.loading import LoadError, load_need, load_needs, load_offerings
from matching.matcher import ENGINE_VERSION, Dropped, Match, Matcher
from matching.ranker import PairwiseRanker, prior_ranker
from matching.types import InvalidRecord, Need, Offering

__all__ = [
    "ENGINE_VERSION",
    "Dropped",
    "HardLimits",
    "InvalidRecord",
    "LoadError",
    "Match",
    "Matcher",
    "Need",
    "Offering",
    "PairwiseRanker",
    "load_need",
    "load_needs",
    "load_offerings",
    "prior_ranker",
    "suggest_capabilities",
]
