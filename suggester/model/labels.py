"""Which label the model learns for each suggestible catalogue code (no scikit-learn import)."""

from __future__ import annotations

from ..catalogue import Catalogue

__all__ = ["model_labels"]


def model_labels(catalogue: Catalogue) -> dict[str, str]:
    """Map every suggestible code to the label the model learns (Medicare substitutes map to the CPT twin)."""
    twin = {c.medicare_use_instead: c.code for c in catalogue.values()
            if c.medicare_use_instead and c.status == "active"}
    return {c.code: twin.get(c.code, c.code) for c in catalogue.values() if c.suggestible and c.status == "active"}
