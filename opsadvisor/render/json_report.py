"""JSON output: the stable contract of Assessment.to_dict(), byte-identical run to run."""

from __future__ import annotations

from ..assessment import Assessment
from ..text import json_text


def render(assessment: Assessment) -> str:
    """Everything, the trace included: JSON has no `--explain` switch (formats.ASSESSMENT)."""
    return json_text(assessment.to_dict())
