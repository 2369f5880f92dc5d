"""Service ids that more than one entry of a portfolio uses: `batch` warns about each (the reports, `diff` and
the workbench name a service by its id, so two services under one id read as one), naming its entries.

Every id seen is kept with the location of its first entry (about 200 bytes a service), as the entries come.
"""

from __future__ import annotations

from collections.abc import Sequence

ENTRIES = 5  # the entries named for one id
IDS = 10  # the ids named


class DuplicateIds:
    def __init__(self) -> None:
        self.first: dict[str, str] = {}  # id -> location of its first entry
        self.repeated: dict[str, list[str]] = {}  # id -> locations of all its entries, for ids used again

    def add(self, service_id: str, location: str) -> None:
        """An entry's id (not empty) and location, in input order."""
        first = self.first.get(service_id)
        if first is None:
            self.first[service_id] = location
        else:
            self.repeated.setdefault(service_id, [first]).append(location)

    def add_all(self, ids: Sequence[str], locations: Sequence[str]) -> None:
        """`add` for each id and its location: at once when no id is repeated (the common case)."""
        if len(set(ids)) == len(ids) and self.first.keys().isdisjoint(ids):
            self.first.update(zip(ids, locations, strict=True))
            return
        for service_id, location in zip(ids, locations, strict=True):
            self.add(service_id, location)

    def warnings(self) -> list[str]:
        """One line per id used by several entries (the first IDS of them, in the order they were used
        again), naming its first ENTRIES entries; then how many more ids there are."""
        lines = []
        for service_id, locations in list(self.repeated.items())[:IDS]:
            named = ", ".join(locations[:ENTRIES])
            more = f" and {len(locations) - ENTRIES} more" if len(locations) > ENTRIES else ""
            lines.append(f'service id "{service_id}" is used by {len(locations)} entries: {named}{more}')
        if len(self.repeated) > IDS:
            lines.append(f"{len(self.repeated) - IDS} more service ids are used by more than one entry")
        return lines
