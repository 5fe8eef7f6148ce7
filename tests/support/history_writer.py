"""A process that records a large scan and stops mid-write, for the SIGKILL test.

``python -m tests.support.history_writer URL`` evaluates the reference estate, multiplies
its findings into a large scan and records it; after the first batch of findings has
been written (inside the open transaction) it prints ``WRITING`` and waits to be killed.
"""

from __future__ import annotations

import sys
import time

from scanner.history import HistoryStore, ScanInput, scan_scope
from scanner.model import FindingsDocument
from tests.support.history_estates import evaluate_reference

COPIES = 40
MARKER = "WRITING"


def large_document(document: FindingsDocument) -> FindingsDocument:
    findings = [
        finding.model_copy(
            update={
                "finding_id": f"{finding.finding_id}-{copy}",
                "resource_uid": f"{finding.resource_uid}#{copy}",
            }
        )
        for copy in range(COPIES)
        for finding in document.findings
    ]
    return document.model_copy(update={"findings": findings})


def main(url: str) -> None:
    evaluation = evaluate_reference()
    snapshot = evaluation.snapshot
    scope = scan_scope(snapshot.manifest, snapshot.resources)
    scan = ScanInput(large_document(evaluation.findings), snapshot.resources, scope)

    def stop_mid_write(stage: str) -> None:
        if stage.startswith("findings "):
            print(MARKER, stage, flush=True)
            time.sleep(120)

    with HistoryStore.open(url) as store:
        store.record(scan, stop_mid_write)


if __name__ == "__main__":
    main(sys.argv[1])
