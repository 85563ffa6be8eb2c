"""Partitions: data rounds (DTM round numbers, added as files arrive) and ISO weeks of the brief."""

import dagster as dg

# "R139": one partition per DTM round; added by the CLI, the new-round sensor or the UI.
rounds = dg.DynamicPartitionsDefinition(name="rounds")

# A run of round assets covers up to ROUNDS_PER_RUN rounds (a range of partition keys): a backfill of many rounds
# from the UI, and `ds-pipeline publish`, run consecutive rounds four at a time. Each round's rows are still written
# and replaced as their own partition. Four, measured at national scale (8 rounds): one round per run 8 runs and
# about 20 s; four per run 14 s and 583 MB peak; eight per run 13 s but 696 MB (every round's rows in memory).
# `ds-pipeline publish` also keeps a run's round files within ROUND_RUN_BYTES (national scale: about 1.2 MB a
# round, four rounds a run; at ten times that, 13 MB a round, three rounds a run). Measured at ten times national
# scale, 8 rounds, two runs side by side: one round a run 55.9 s and 1.1 GB peak, two 53.1 to 56.1 s and 1.1 GB,
# three (3 + 3 + 2, the ingestion beside the first range) 51.5 and 54.0 s and 1.4 GB, four 54.7 s and 1.7 GB.
ROUNDS_PER_RUN = 4
ROUND_RUN_BYTES = 40_000_000
ROUND_BACKFILL = dg.BackfillPolicy.multi_run(max_partitions_per_run=ROUNDS_PER_RUN)

# One partition per ISO week (key = the Monday). The schedules and `ds-pipeline publish` build the last complete
# week (ds_pipeline.lib.edition_calendar.last_complete_week); the current week is included too (end_offset=1) so
# that a provisional edition of it can still be built on request (`--week`, or from the UI).
weeks = dg.WeeklyPartitionsDefinition(start_date="2025-12-29", day_offset=1, end_offset=1)

# One partition per POA report month (key = the month's first day, 2026-10-01). The area updates of a month are
# built after the POA reporting deadline of the following month (lib.edition_calendar.latest_complete_area_month).
months = dg.MonthlyPartitionsDefinition(start_date="2025-12-01", end_offset=0)
