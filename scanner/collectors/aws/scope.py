"""Discover what to collect: the caller, enabled regions, organisation accounts."""

from __future__ import annotations

from scanner.collectors.aws.clients import AwsClients
from scanner.collectors.aws.context import AwsScope, paginate
from scanner.collectors.aws.errors import classify_aws_error
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, CollectionGap, Resource

SERVICE = "ec2"
PERMISSIONS: dict[str, str] = {
    "sts:GetCallerIdentity": "sts:GetCallerIdentity",
    "ec2:DescribeRegions": "ec2:DescribeRegions",
}
ORG_PERMISSIONS: dict[str, str] = {
    "organizations:ListAccounts": "organizations:ListAccounts",
    "sts:AssumeRole": "sts:AssumeRole",
}


def discover_regions(clients: AwsClients) -> tuple[tuple[str, ...], Collected]:
    rec = Recorder(Cloud.AWS, clients.account, None, SERVICE, classify_aws_error)
    ec2 = clients.client("ec2")
    listed = rec.call("describe_regions", ec2.describe_regions, AllRegions=False, kind="account")
    enabled = sorted(r["RegionName"] for r in (listed or {}).get("Regions", []))
    wanted = clients.options.regions
    regions = tuple(r for r in wanted if not enabled or r in enabled) if wanted else tuple(enabled)
    for region in wanted:
        if enabled and region not in enabled:
            rec.gaps.append(
                CollectionGap(
                    cloud=Cloud.AWS,
                    account=clients.account,
                    region=region,
                    service=SERVICE,
                    operation="describe_regions",
                    error_class="RegionNotEnabled",
                    message=f"region {region} is not enabled for the account",
                )
            )
    account = Resource(
        uid=account_uid(clients.account),
        cloud=Cloud.AWS,
        account=clients.account,
        region=regions[0] if regions else "us-east-1",
        type="aws.account",
        kind="account",
        name=clients.account,
        props={"subscribed_regions": enabled} if listed is not None else {},
    )
    return regions, Collected(resources=[account], gaps=rec.gaps, operations=rec.operations)


def organisation_accounts(clients: AwsClients) -> tuple[list[str], Collected]:
    """Active member accounts (for --aws-org-role); the caller's own account first."""
    rec = Recorder(Cloud.AWS, clients.account, None, "organizations", classify_aws_error)
    accounts = paginate(
        rec, clients.client("organizations"), "list_accounts", "Accounts", kind="account"
    )
    members = sorted(a["Id"] for a in accounts or [] if a.get("Status") == "ACTIVE")
    ordered = [clients.account, *(a for a in members if a != clients.account)]
    return ordered, Collected(gaps=rec.gaps, operations=rec.operations)


def scope_for(clients: AwsClients, regions: tuple[str, ...]) -> AwsScope:
    return AwsScope(account=clients.account, regions=regions, caller_arn=clients.caller_arn)


def account_uid(account: str) -> str:
    """The uid of an AWS account resource: its root principal ARN."""
    return f"arn:aws:iam::{account}:root"
