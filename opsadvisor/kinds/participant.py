"""`participant`: whom to invite to the Support Model Design Workshop.

Written in the `workshop: participants:` rules, which run for the workshop pack only, so it has no
part of the assessment; the workshop pack lists the participants of the rules that fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Kind


@dataclass(frozen=True)
class Participant:
    role: str


class ParticipantKind(Kind):
    name = "participant"
    shape = "`participant: role`"
    meaning = "someone to invite to the workshop (in `workshop: participants:` rules)"

    def parse(self, data: Any) -> Participant | str:
        if not isinstance(data, str) or not data.strip():
            return "expected the participant's role as text"
        return Participant(" ".join(data.split()))

    def describe(self, payload: Participant) -> str:
        return f"invite {payload.role}"


KIND = ParticipantKind()
