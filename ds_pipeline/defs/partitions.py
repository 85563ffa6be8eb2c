"""Partitions: data rounds (DTM round numbers, added as files arrive) and ISO weeks of the brief."""

import dagster as dg

# "R139": one partition per DTM round; added by the CLI, the new-round sensor or the UI.
rounds = dg.DynamicPartitionsDefinition(name="rounds")

# One partition per ISO week (key = the Monday), the current week included so this week's brief can be built.
weeks = dg.WeeklyPartitionsDefinition(start_date="2025-12-29", day_offset=1, end_offset=1)
