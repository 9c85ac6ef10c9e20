"""The stack's metric alarms (`AWS::CloudWatch::Alarm`) as CloudWatch evaluates them.

`AlarmSpec.parse_all` reads each alarm from the deployed template with its intrinsic
functions resolved (the load balancer's dimensions through the stand-in's names).
`evaluate` is CloudWatch's rule: the alarm's last EvaluationPeriods datapoints, ALARM when
DatapointsToAlarm of them breach, missing datapoints treated as TreatMissingData says.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..aws.stack import Stack
from ..errors import HarnessError
from . import metric_math
from .metric_store import MetricKey, metric_key
from .statistics import is_percentile

log = logging.getLogger(__name__)

ALARM = "AWS::CloudWatch::Alarm"
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
# The PutMetricAlarm parameters an alarm resource carries under the same names.
_API_PROPERTIES = (
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)


@dataclass(frozen=True)
class AlarmSpec:
    logical_id: str
    name: str
    properties: dict[str, Any]  # resolved, as PutMetricAlarm takes them

    @classmethod
    def parse_all(cls, stack: Stack) -> list[AlarmSpec]:
        """Every alarm whose properties resolve locally; one naming an attribute nothing
        answers (an ECS service's name) is left as LocalStack holds it, and logged."""
        alarms = []
        for logical_id, props in stack.of_type(ALARM):
            try:
                resolved = stack.resolve(props)
            except HarnessError as error:
                log.info("alarm %s is left as deployed: %s", logical_id, error)
                continue
            # Without AlarmName CloudFormation generates one: the physical id.
            name = str(resolved.get("AlarmName") or stack.physical_ids.get(logical_id, logical_id))
            api = {key: resolved[key] for key in _API_PROPERTIES if key in resolved}
            for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
                if key in api:
                    api[key] = int(api[key])
            if "Threshold" in api:
                api["Threshold"] = float(api["Threshold"])
            if "ActionsEnabled" in api:
                api["ActionsEnabled"] = str(api["ActionsEnabled"]).lower() == "true"
            alarms.append(cls(logical_id, name, {"AlarmName": name, **api}))
        return alarms

    @property
    def statistic(self) -> str:
        return str(self.properties.get("Statistic") or self.properties.get("ExtendedStatistic"))

    @property
    def period(self) -> int:
        """The alarm's period; with metric math, its metrics' (one period for all)."""
        if "Period" in self.properties:
            return int(self.properties["Period"])
        return int(next(stat["Period"] for stat in self.metric_stats.values()))

    @property
    def metric_stats(self) -> dict[str, dict[str, Any]]:
        """A metric-math alarm's metrics by id: their MetricStat (Metric, Period, Stat)."""
        return {
            str(query["Id"]): query["MetricStat"]
            for query in self.properties.get("Metrics", [])
            if "MetricStat" in query
        }

    @property
    def expression(self) -> str | None:
        """A metric-math alarm's expression: the query it returns."""
        for query in self.properties.get("Metrics", []):
            if "Expression" in query and query.get("ReturnData", True):
                return str(query["Expression"])
        return None

    @property
    def evaluation_periods(self) -> int:
        return int(self.properties["EvaluationPeriods"])

    @property
    def datapoints_to_alarm(self) -> int:
        return int(self.properties.get("DatapointsToAlarm", self.evaluation_periods))

    @property
    def treat_missing_data(self) -> str:
        return str(self.properties.get("TreatMissingData", "missing"))

    @property
    def metric(self) -> MetricKey:
        props = self.properties
        return metric_key(props["Namespace"], props["MetricName"], props.get("Dimensions", []))

    @property
    def evaluated_by_localstack(self) -> bool:
        """LocalStack's free edition evaluates a single metric's plain statistic (Sum,
        Average, ...) against a fixed threshold; nothing else."""
        props = self.properties
        return (
            "Statistic" in props
            and "MetricName" in props
            and props.get("ComparisonOperator") in COMPARISONS
        )

    @property
    def evaluated_by_standin(self) -> bool:
        """What the stand-in evaluates instead: a percentile of a single metric, or a sum of
        metrics (metric math)."""
        props = self.properties
        if self.evaluated_by_localstack or props.get("ComparisonOperator") not in COMPARISONS:
            return False
        if "MetricName" in props:
            return is_percentile(self.statistic)
        expression = self.expression
        return expression is not None and metric_math.supported(expression)


def evaluate(alarm: AlarmSpec, datapoints: Sequence[float | None], current: str) -> str:
    """The alarm's state from its last EvaluationPeriods datapoints (oldest first; None is
    a missing one)."""
    compare = COMPARISONS[alarm.properties["ComparisonOperator"]]
    threshold = float(alarm.properties["Threshold"])
    window = list(datapoints)[-alarm.evaluation_periods :]
    treat = alarm.treat_missing_data
    if all(value is None for value in window):
        if treat == "breaching":
            return "ALARM"
        if treat == "notBreaching":
            return "OK"
        return current if treat == "ignore" else "INSUFFICIENT_DATA"
    breaching = 0
    for value in window:
        if value is None:
            breaching += treat == "breaching"
        else:
            breaching += compare(value, threshold)
    return "ALARM" if breaching >= alarm.datapoints_to_alarm else "OK"
