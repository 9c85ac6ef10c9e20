"""What the service stack exports for the stacks beside it (the load generators), by name.

Named exports, declared whether or not a stack imports them: the service stack's template
is the same with or without the load generators, so `make deploy-load` can deploy theirs
alone (`--exclusively`) beside a service deployed by `make deploy`. CDK's own cross-stack
references would add outputs to the service stack only when both stacks are in the app,
and its weak ones read them with `Fn::GetStackOutput`, which LocalStack cannot resolve.
While a stack imports them, CloudFormation refuses to change or remove these values: the
VPC and the load balancer stay while the load generators aim at them.
"""

from __future__ import annotations

from dataclasses import dataclass

# The VPC's availability zones (infra/network.py), one private subnet in each.
AVAILABILITY_ZONES = 2


@dataclass(frozen=True)
class ServiceExports:
    stack_name: str

    @property
    def vpc_id(self) -> str:
        return f"{self.stack_name}-VpcId"

    @property
    def private_subnet_ids(self) -> str:
        """Comma-separated, one per availability zone."""
        return f"{self.stack_name}-PrivateSubnetIds"

    @property
    def load_balancer_url(self) -> str:
        return f"{self.stack_name}-LoadBalancerUrl"
