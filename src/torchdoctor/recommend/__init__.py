"""Which install command to print for a machine (product spec §5), as pure functions.

    from torchdoctor import knowledge
    from torchdoctor.recommend import recommend, try_recommend, recommend_compute

    plan = recommend(facts, knowledge.load())          # InstallPlan (or NoRecommendationError)
    plan.command, plan.rationale, plan.alternatives

`torchdoctor.knowledge.compat` holds what the knowledge says of these facts, shared with the
diagnosis rules (installed variant, kernels for a GPU, driver minimums, ROCm gfx lists, HSA
overrides). `shell` writes commands for the target's shell. docs/recommendation.md explains the
policy.
"""

from __future__ import annotations

from torchdoctor.knowledge.compat import (
    driver_runs_variant,
    gfx_supported,
    hsa_override_for,
    installed_variant,
    variant_runs_on_gpu,
)
from torchdoctor.recommend.auto import ComputeChoice, recommend_compute
from torchdoctor.recommend.policy import (
    NoRecommendation,
    NoRecommendationError,
    recommend,
    try_recommend,
)

__all__ = [
    "ComputeChoice",
    "NoRecommendation",
    "NoRecommendationError",
    "driver_runs_variant",
    "gfx_supported",
    "hsa_override_for",
    "installed_variant",
    "recommend",
    "recommend_compute",
    "try_recommend",
    "variant_runs_on_gpu",
]
