"""Shuzhuan's matching engine: a pure library pairing SME needs with vendor offerings.

It imports neither Flask nor SQLAlchemy, so it can be evaluated, benchmarked and
reused from the command line on the JSONL files of ../shared/data-formats.md.
"""

from matching.types import InvalidRecord, Need, Offering

__all__ = ["InvalidRecord", "Need", "Offering"]
