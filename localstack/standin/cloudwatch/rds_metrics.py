"""The RDS instances' FreeStorageSpace, as RDS publishes it under AWS/RDS every minute.

The stack alarms on it with missing data as breaching (RDS reports while the instance runs,
so silence is an instance down): without it the alarm would fire locally for nothing. The
local server's storage is the disk its data directory is on, so its free space is that
disk's. The other RDS metrics (CPU, connections) are treated as not breaching when missing
and are not published.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

from ..aws.stack import Stack

NAMESPACE = "AWS/RDS"
RDS_INSTANCE = "AWS::RDS::DBInstance"


def free_storage(
    stack: Stack, data_directory: Path, timestamp: datetime.datetime
) -> list[dict[str, Any]]:
    instances = [logical_id for logical_id, _props in stack.of_type(RDS_INSTANCE)]
    if not instances:
        return []
    directory = data_directory if data_directory.exists() else data_directory.parent
    free = float(shutil.disk_usage(directory).free)
    return [
        {
            "MetricName": "FreeStorageSpace",
            "Dimensions": [
                {"Name": "DBInstanceIdentifier", "Value": str(stack.resolve({"Ref": logical_id}))}
            ],
            "Timestamp": timestamp,
            "Value": free,
            "Unit": "Bytes",
        }
        for logical_id in instances
    ]
