"""The RDS instances' free storage: the free space of the disk under the local server's
data, one datum per instance, named by the instance's id as the alarm's dimension is."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

from standin.aws.stack import Stack
from standin.cloudwatch.rds_metrics import free_storage

NOW = datetime.datetime(2026, 12, 6, 15, 0, tzinfo=datetime.UTC)


def stack(with_instance: bool) -> Stack:
    resources = (
        {"Database": {"Type": "AWS::RDS::DBInstance", "Properties": {}}} if with_instance else {}
    )
    return Stack(
        "Todo",
        "id",
        "CREATE_COMPLETE",
        {"Resources": resources},
        {"Database": "todo-db"},
        {},
        {},
        "us-east-1",
        "000000000000",
    )


def test_free_storage_per_instance(tmp_path: Path) -> None:
    [datum] = free_storage(stack(True), tmp_path / "rds", NOW)
    assert datum["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "todo-db"}]
    assert datum["Unit"] == "Bytes"
    assert datum["Timestamp"] == NOW
    assert abs(datum["Value"] - shutil.disk_usage(tmp_path).free) < 64 * 1024 * 1024


def test_no_instance_no_data(tmp_path: Path) -> None:
    assert free_storage(stack(False), tmp_path, NOW) == []
