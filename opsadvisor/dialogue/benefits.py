"""How an expected benefit and the way it will be validated share one string of the contract.

The contract's `expected_benefits` is a list of strings, so the interview stores each benefit as
"<benefit> (validated by: <how>)"; the workshop pack splits it back into its two columns. A
benefit written by hand without that suffix simply has no agreed validation yet.
"""

from __future__ import annotations

import re

_VALIDATED = re.compile(r"^(?P<benefit>.*?)\s*\(validated by: (?P<how>.*)\)$", re.DOTALL)


def join_benefit(benefit: str, how: str | None) -> str:
    """The contract string for a benefit and how it will be validated (None: not yet agreed)."""
    return f"{benefit} (validated by: {how})" if how else benefit


def split_benefit(text: str) -> tuple[str, str | None]:
    """(benefit, how it will be validated or None) from a contract string."""
    match = _VALIDATED.match(text)
    if match and match.group("benefit").strip() and match.group("how").strip():
        return match.group("benefit"), match.group("how")
    return text, None
