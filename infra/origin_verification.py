"""The secret header CloudFront adds to every request it sends to the load balancer.

The load balancer forwards only requests that carry it: its security group already admits
only CloudFront's addresses, but any CloudFront distribution (someone else's too) sends
from those, so the header proves the request came through this one. The value is generated
in Secrets Manager and reaches the distribution and the listener rule as CloudFormation
dynamic references: it is never in the template.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

HEADER = "X-Origin-Verify"


class OriginVerification(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.header = HEADER
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"todo-async: the {HEADER} header CloudFront sends the load balancer",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        Validations.of(self.secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason=(
                    "No automatic rotation: CloudFormation copies the value into the "
                    "distribution and the listener rule at deploy time; rotate by changing the "
                    "secret and redeploying, which updates both together."
                ),
            ),
        )

    @property
    def value(self) -> str:
        """A `{{resolve:secretsmanager:...}}` reference, resolved by CloudFormation."""
        return self.secret.secret_value.unsafe_unwrap()
