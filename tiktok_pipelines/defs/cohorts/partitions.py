"""Cohorts are the partition unit (not videos): a bounded number of keys, one run per due timepoint.

Keys are built with `MultiPartitionKey`; the string form sorts dimension names, so it reads
"<cohort_id>|<timepoint>".
"""

import dagster as dg

from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINTS

cohorts_partitions = dg.DynamicPartitionsDefinition(name="cohorts")
timepoints_partitions = dg.StaticPartitionsDefinition(list(TIMEPOINTS))
cohort_timepoint_partitions = dg.MultiPartitionsDefinition({"cohort": cohorts_partitions, "timepoint": timepoints_partitions})


def cohort_timepoint_key(cohort_id: str, timepoint: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"cohort": cohort_id, "timepoint": timepoint})


def split_key(context: dg.AssetExecutionContext) -> tuple[str, str]:
    keys = context.partition_key.keys_by_dimension  # type: ignore[attr-defined]
    return keys["cohort"], keys["timepoint"]
