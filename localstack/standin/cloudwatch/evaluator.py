"""The stack's alarms in LocalStack's CloudWatch, and the evaluation LocalStack leaves out.

LocalStack's free edition stores the alarms CloudFormation creates and evaluates those on a
plain statistic itself (every EvaluationPeriods x Period seconds), setting their state and
publishing each change to the alarm's SNS actions. Two things it cannot do, done here:

- The template's dimensions name the load balancer and target group by attributes that the
  placeholders answer `unknown`; each alarm is put again with the stand-in's names
  (`app/NAME/ID`, `targetgroup/NAME/ID`), the ones its metrics carry.
- A percentile (`ExtendedStatistic`, p99 TargetResponseTime) LocalStack neither computes nor
  evaluates, nor metric math (the healthy targets of both blue/green target groups): the
  stand-in computes them from the samples it published, at the end of every period as
  CloudWatch does, and sets the state with SetAlarmState, through which LocalStack
  publishes the notification (CloudWatch's JSON message) to the alarm's actions.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from . import metric_math
from .alarms import AlarmSpec, evaluate
from .metric_store import MetricStore, metric_key
from .statistics import compute

log = logging.getLogger(__name__)

TICK = 5.0


def datapoints(alarm: AlarmSpec, store: MetricStore, now: float) -> list[float | None]:
    """The alarm's value over its last EvaluationPeriods complete periods, oldest first:
    its statistic, or its metric math over its metrics' statistics."""
    period = alarm.period
    end = now - now % period
    starts = [end - period * n for n in range(alarm.evaluation_periods, 0, -1)]
    expression = alarm.expression
    if expression is None:
        return [
            compute(alarm.statistic, store.samples(alarm.metric, start, start + period))
            for start in starts
        ]
    values = []
    for start in starts:
        stats = {
            query_id: compute(
                stat["Stat"],
                store.samples(
                    metric_key(
                        stat["Metric"]["Namespace"],
                        stat["Metric"]["MetricName"],
                        stat["Metric"].get("Dimensions", []),
                    ),
                    start,
                    start + period,
                ),
            )
            for query_id, stat in alarm.metric_stats.items()
        }
        values.append(metric_math.evaluate(expression, stats))
    return values


class AlarmEvaluator:
    def __init__(self, cloudwatch: Any, store: MetricStore, alarms: list[AlarmSpec]) -> None:
        self.cloudwatch = cloudwatch
        self.store = store
        self.alarms = alarms
        self._evaluated: dict[str, float] = {}  # alarm name -> end of the last period evaluated

    def put_alarms(self) -> None:
        """Each alarm as the template declares it, with the stand-in's dimensions."""
        for alarm in self.alarms:
            try:
                self.cloudwatch.put_metric_alarm(**alarm.properties)
            except Exception as error:  # one alarm LocalStack refuses leaves the others
                log.warning("alarm %s could not be put: %s", alarm.name, error)
                continue
            how = "LocalStack" if alarm.evaluated_by_localstack else "the stand-in"
            if not (alarm.evaluated_by_localstack or alarm.evaluated_by_standin):
                how = "nobody (not supported locally)"
            log.info("alarm %s: evaluated by %s", alarm.name, how)

    def evaluate_due(self, now: float) -> list[tuple[str, str]]:
        """Evaluate each of the stand-in's alarms whose period ended since it was last
        evaluated; the (alarm, new state) changes made."""
        changes = []
        for alarm in (a for a in self.alarms if a.evaluated_by_standin):
            period_end = now - now % alarm.period
            if self._evaluated.get(alarm.name) == period_end:
                continue
            self._evaluated[alarm.name] = period_end
            current = self._state(alarm)
            values = datapoints(alarm, self.store, now)
            state = evaluate(alarm, values, current)
            if state != current:
                self._set_state(alarm, state, values, now)
                changes.append((alarm.name, state))
        return changes

    async def states(self, names: Sequence[str]) -> dict[str, tuple[str, float]]:
        """Each named alarm's state in CloudWatch and when it last changed (Unix time): what
        a deployment's alarm-based rollback watches."""
        reply = await asyncio.to_thread(self.cloudwatch.describe_alarms, AlarmNames=list(names))
        return {
            str(alarm["AlarmName"]): (
                str(alarm["StateValue"]),
                alarm["StateUpdatedTimestamp"].timestamp(),
            )
            for alarm in reply["MetricAlarms"]
        }

    def _state(self, alarm: AlarmSpec) -> str:
        found = self.cloudwatch.describe_alarms(AlarmNames=[alarm.name])["MetricAlarms"]
        return str(found[0]["StateValue"]) if found else "INSUFFICIENT_DATA"

    def _set_state(
        self, alarm: AlarmSpec, state: str, values: list[float | None], now: float
    ) -> None:
        recent = [v for v in values if v is not None]
        reason = (
            f"Threshold Crossed: {len(recent)} datapoint(s) {recent} "
            f"evaluated against the threshold ({alarm.properties['Threshold']})"
            if recent
            else f"{len(values)} missing datapoint(s) treated as {alarm.treat_missing_data}"
        )
        stamp = datetime.datetime.fromtimestamp(now, datetime.UTC)
        data = {
            "version": "1.0",
            "queryDate": stamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "period": alarm.period,
            "recentDatapoints": recent,
            "threshold": alarm.properties["Threshold"],
        }
        if alarm.expression is None:
            data["statistic"] = alarm.statistic
        self.cloudwatch.set_alarm_state(
            AlarmName=alarm.name,
            StateValue=state,
            StateReason=reason,
            StateReasonData=json.dumps(data),
        )
        log.info("alarm %s -> %s (%s)", alarm.name, state, reason)

    async def run(self) -> None:
        await asyncio.to_thread(self.put_alarms)
        while True:
            await asyncio.sleep(TICK)
            try:
                await asyncio.to_thread(self.evaluate_due, time.time())
            except Exception as error:  # LocalStack busy: the next tick evaluates again
                log.warning("evaluating the alarms failed: %s", error)
