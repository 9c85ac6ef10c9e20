"""The local front door: the distribution and its WebACL as HAProxy frontends beside the
load balancer's listener, in the same HAProxy.

Viewers get HTTPS with the local authority's certificate; plain HTTP is redirected (301, as
CloudFront's redirect-to-https) or refused (https-only) and never reaches the origin. The
WebACL's rate-based rules come first, counting each viewer address; then the request goes
to the load balancer's listener as CloudFront sends it: the viewer appended to
X-Forwarded-For, CloudFront-Forwarded-Proto and CloudFront-Viewer-Address set, the origin's
custom headers (the origin secret) added. Every answer carries the response headers
policy's HSTS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hostkit.ports import LOOPBACK

from ..aws.stack import Stack
from ..waf.rate_rules import (
    RateRule,
    parse_rate_rules,
    render_rules,
    render_tables,
    write_bodies,
)
from .certificates import Certificates, issue
from .distribution import DistributionSpec, parse_distribution

log = logging.getLogger(__name__)

ORIGIN_BACKEND = "origin"


def origin_header_variable(index: int) -> str:
    """The environment variable holding an origin custom header's value (a secret)."""
    return f"ORIGIN_HEADER_{index}"


@dataclass
class FrontDoor:
    distribution: DistributionSpec
    rate_rules: list[RateRule]
    certificates: Certificates
    state_dir: Path
    https_port: int
    http_port: int
    origin_port: int  # the load balancer listener's local port

    @property
    def url(self) -> str:
        return f"https://{LOOPBACK}:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    def environment(self) -> dict[str, str]:
        return {
            origin_header_variable(i): value
            for i, (_name, value) in enumerate(self.distribution.origin_headers)
        }

    def render(self) -> str:
        write_bodies(self.rate_rules, self.state_dir)
        spec = self.distribution
        origin_headers = [
            f'    http-request set-header {name} "${{{origin_header_variable(i)}}}"'
            for i, (name, _value) in enumerate(spec.origin_headers)
        ]
        lines = [
            "# The CloudFront distribution and its WebACL (local front door).",
            "frontend distribution_https",
            f"    bind {LOOPBACK}:{self.https_port} ssl crt {self.certificates.server}",
            *render_rules(self.rate_rules, self.state_dir),
            "    # Towards the origin, as CloudFront sends a request.",
            "    acl forwarded req.fhdr(x-forwarded-for) -m found",
            '    http-request set-header X-Forwarded-For "%[req.fhdr(x-forwarded-for)], %[src]" '
            "if forwarded",
            "    http-request set-header X-Forwarded-For %[src] unless forwarded",
            "    http-request set-header CloudFront-Forwarded-Proto https",
            "    http-request set-header CloudFront-Viewer-Address %[src]:%[src_port]",
            *origin_headers,
            *self._hsts(),
            f"    default_backend {ORIGIN_BACKEND}",
            "",
            "frontend distribution_http",
            f"    bind {LOOPBACK}:{self.http_port}",
            *self._plain_http(),
            *self._hsts(),
            "",
            f"backend {ORIGIN_BACKEND}",
            f"    timeout server {spec.origin_read_timeout}s",
            f"    server load_balancer {LOOPBACK}:{self.origin_port}",
            "",
            render_tables(self.rate_rules),
        ]
        return "\n".join(lines) + "\n"

    def _plain_http(self) -> list[str]:
        if self.distribution.viewer_protocol_policy == "https-only":
            return ["    http-request deny deny_status 403"]
        port = "" if self.https_port == 443 else f":{self.https_port}"
        return [
            "    # redirect-to-https: the same host and path, over HTTPS.",
            f"    http-request redirect location https://%[req.hdr(host),field(1,:)]{port}%[pathq] "
            "code 301",
        ]

    def _hsts(self) -> list[str]:
        hsts = self.distribution.hsts
        if hsts is None:
            return []
        action = "set-header" if hsts.override else "add-header"
        condition = (
            "" if hsts.override else " unless { res.hdr(strict-transport-security) -m found }"
        )
        return [
            f'    http-after-response {action} Strict-Transport-Security "{hsts.value}"{condition}'
        ]


def front_door_spec(stack: Stack) -> tuple[DistributionSpec, list[RateRule]] | None:
    """The distribution and its WebACL's rate rules; None without a distribution."""
    distribution = parse_distribution(stack)
    if distribution is None:
        return None
    rules: list[RateRule] = []
    if distribution.web_acl is not None:
        rules, skipped = parse_rate_rules(stack, distribution.web_acl)
        if skipped:
            log.info("WebACL %s: not emulated locally: %s", distribution.web_acl, skipped)
    return distribution, rules


def build_front_door(
    stack: Stack, state_dir: Path, *, origin_port: int, https_port: int, http_port: int
) -> FrontDoor | None:
    """The stack's front door with new certificates in `state_dir`; None without one."""
    spec = front_door_spec(stack)
    if spec is None:
        return None
    distribution, rules = spec
    return FrontDoor(
        distribution=distribution,
        rate_rules=rules,
        certificates=issue(state_dir),
        state_dir=state_dir,
        https_port=https_port,
        http_port=http_port,
        origin_port=origin_port,
    )
