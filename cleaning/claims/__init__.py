"""Claims: what an article says about debt collection, as records tied to its sentences.

Holds the stages (sentences, segment, roles, triggers, numbers, fields, checks), the scorer
against gold sets (eval), the miner of uncovered phrases (mining), and their data files
(`lexicons/*.yaml`, `rules/claim_rules.yaml`). It may import only the standard library, its
third-party libraries (jieba, PyYAML; OpenCC through `cleaning.script`) and `cleaning` modules;
it is pure: no database, no Scrapy, no environment reads. Configuration comes in as a frozen
`ClaimConfig`.
"""

from cleaning.claims.extract import (
    RULE_VERSION,
    ClaimConfig,
    data_digest,
    extract_claims,
    with_claims,
)
from cleaning.claims.lexicon import ClaimDataError

__all__ = [
    "RULE_VERSION",
    "ClaimConfig",
    "ClaimDataError",
    "data_digest",
    "extract_claims",
    "with_claims",
]
