"""The IAM policy the AWS collector needs, generated from what each module calls."""

from __future__ import annotations

import json
from collections.abc import Iterable


def aws_policy_document(actions: Iterable[str]) -> str:
    """A read-only IAM policy granting exactly ``actions``, as pretty JSON."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AuditgraphReadOnly",
                "Effect": "Allow",
                "Action": sorted(set(actions)),
                "Resource": "*",
            }
        ],
    }
    return json.dumps(document, indent=2)
