"""Rule authoring: see, check, test and explain rule packs (the `rules` commands and `explain`)."""
