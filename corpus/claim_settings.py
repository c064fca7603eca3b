"""Claim extraction settings from the environment, read here so `cleaning` stays pure.

DEBTCORPUS_CLAIM_CHECKS=off switches the rule checks off; DEBTCORPUS_CLAIM_RULES names extra
rule files (separated by os.pathsep). Crawls and `reprocess` use these; `claims extract` adds
its own --rules and --no-checks options on top.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cleaning.claims import ClaimConfig, ClaimDataError

CHECKS_ENV = "DEBTCORPUS_CLAIM_CHECKS"
RULES_ENV = "DEBTCORPUS_CLAIM_RULES"
CHECKS_OFF_VALUES = ("off", "0", "false", "no")


def rule_paths(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(os.pathsep) if part.strip())


def claim_config_from_env(
    environ: Mapping[str, str] | None = None, extra_rules: tuple[str, ...] = ()
) -> ClaimConfig:
    """The claim configuration the environment asks for; a named rule file that does not
    exist is an error here, before any page is cleaned."""
    env = os.environ if environ is None else environ
    off = env.get(CHECKS_ENV, "on").strip().lower() in CHECKS_OFF_VALUES
    paths = (*rule_paths(env.get(RULES_ENV, "")), *extra_rules)
    for path in paths:
        if not Path(path).is_file():
            raise ClaimDataError(
                f"claim rule file {path} does not exist; fix {RULES_ENV} or --rules"
            )
    return ClaimConfig(checks=not off, extra_rules=paths)
