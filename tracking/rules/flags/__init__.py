"""Flag rules: what Ossa points out about a member's plan and log.

Each rule is a small function `FlagInputs -> list[FlagResult]` listed in RULES; `evaluate`
runs them all and sorts the results. Ossa informs, it does not diagnose: a flag says what was
observed and, where it matters, suggests talking to a clinician or pharmacist. Every number
cites its source key (docs/domain.md#sources). Flag codes are a public API: keep them stable.

The rules live in families, one module each. Of this package a family imports only `common`
(the inputs, the member's events in their zone, amounts, the flag and evidence builders):

- `life_stage`: bone-building years, peak bone mass, over 40, after menopause, a child on an
  adult MK-7 dose
- `bisphosphonate`: the dentist, the absorption window, a missed dose
- `vitamin_k`: a vitamin K supplement or a swing in vitamin K on a vitamin K antagonist, D3
  without K2
- `upper_limits`: calcium, vitamin D and magnesium above the upper limit
- `adherence`: a plan taken on too few days
- `profile_gaps`: a missing menopause status, date of birth or sex

A new family is a new module whose public functions are its rules, importing from `common`
(never from another family, nor from this package); list its rules in RULES below.
tests/rules/test_flags_package.py holds the package to these directions.
"""

from __future__ import annotations

from collections.abc import Callable

from tracking.rules.flags.adherence import low_pdc
from tracking.rules.flags.bisphosphonate import (
    bisphosphonate_absorption_window,
    bisphosphonate_dental,
    bisphosphonate_missed_dose,
)
from tracking.rules.flags.common import FlagInputs
from tracking.rules.flags.life_stage import (
    child_adult_mk7_dose,
    life_stage_accrual,
    life_stage_consolidation,
    life_stage_over_40,
    life_stage_postmenopause,
)
from tracking.rules.flags.profile_gaps import (
    profile_gap_birth_date,
    profile_gap_menopause,
    profile_gap_sex,
)
from tracking.rules.flags.upper_limits import above_upper_limit
from tracking.rules.flags.vitamin_k import d3_without_k2, vitamin_k_swing_on_vka, vitamin_k_with_vka
from tracking.rules.types import FlagResult, Severity

Rule = Callable[[FlagInputs], list[FlagResult]]

SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "warning": 1, "info": 2}

RULES: tuple[Rule, ...] = (
    life_stage_accrual,
    life_stage_consolidation,
    life_stage_over_40,
    life_stage_postmenopause,
    child_adult_mk7_dose,
    bisphosphonate_dental,
    bisphosphonate_absorption_window,
    bisphosphonate_missed_dose,
    vitamin_k_with_vka,
    vitamin_k_swing_on_vka,
    above_upper_limit,
    d3_without_k2,
    low_pdc,
    profile_gap_menopause,
    profile_gap_birth_date,
    profile_gap_sex,
)


def evaluate(inputs: FlagInputs) -> list[FlagResult]:
    """All flags for the member, sorted by severity (critical first), code and subject."""
    results = [flag for rule in RULES for flag in rule(inputs)]
    return sorted(results, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.subject))
