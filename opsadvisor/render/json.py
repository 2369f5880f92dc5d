"""JSON output: the stable contract of Assessment.to_dict(), byte-identical run to run."""

from __future__ import annotations

import json

from ..assessment import Assessment


def render(assessment: Assessment, explain: bool = True) -> str:
    """JSON always has everything, the trace included; `explain` is accepted for symmetry."""
    return json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"
