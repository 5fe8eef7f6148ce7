"""The history store on SQLite and on a real PostgreSQL server: the same tests for both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from scanner.history import (
    HistoryBusyError,
    HistorySchemaError,
    HistoryStore,
    ScanInput,
    ScanNotFoundError,
    scan_scope,
)
from scanner.history.models import Base, FindingRow, ResourceRow
from scanner.history.record import props_digest
from scanner.history.url import engine_url
from scanner.pipeline import Evaluation
from tests.support.history_db import BACKENDS, backend_url
from tests.support.history_estates import (
    CI_FULL_ACCESS,
    evaluate_reference,
    evaluate_variant,
    modified,
    restamped,
)
from tests.support.history_writer import COPIES, MARKER

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def reference() -> Evaluation:
    return evaluate_reference()


@pytest.fixture(scope="module")
def week_later(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    """A week later: ops-legacy has MFA, breakglass-aws lost it, ci-full-access is gone."""
    folder = tmp_path_factory.mktemp("week")
    return evaluate_variant(folder, "snap", lambda s: modified(restamped(s, 8)))


@pytest.fixture(scope="module")
def fortnight_later(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    """Two weeks later: the reference estate again (ci-full-access is back)."""
    return evaluate_variant(
        tmp_path_factory.mktemp("fortnight"), "snap", lambda s: restamped(s, 15)
    )


def scan_input(evaluation: Evaluation) -> ScanInput:
    snapshot = evaluation.snapshot
    scope = scan_scope(snapshot.manifest, snapshot.resources)
    return ScanInput(evaluation.findings, snapshot.resources, scope)


def sql_count(url: str, query: str) -> int:
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def test_rebuilds_the_findings_document_and_resources(
    store_url: str, reference: Evaluation
) -> None:
    with HistoryStore.open(store_url) as store:
        scan_id = store.record(scan_input(reference))
        assert store.findings_document(scan_id) == reference.findings
        stripped = sorted(
            (r.model_copy(update={"raw": {}}) for r in reference.snapshot.resources),
            key=lambda r: r.uid,
        )
        assert store.resources(scan_id) == stripped
    engine = create_engine(engine_url(store_url))
    with engine.connect() as conn:
        digests = dict(conn.execute(select(ResourceRow.uid, ResourceRow.props_digest)).all())
    engine.dispose()
    assert digests == {r.uid: props_digest(r) for r in reference.snapshot.resources}


def test_lifecycle_and_transitions_across_three_scans(
    store_url: str, reference: Evaluation, week_later: Evaluation, fortnight_later: Evaluation
) -> None:
    with HistoryStore.open(store_url) as store:
        first = store.record(scan_input(reference))
        second = store.record(scan_input(week_later))
        third = store.record(scan_input(fortnight_later))
        scope = scan_input(reference).scope.key
        lifecycle = store.lifecycle(scope)
        changes = {
            t.finding_id: (t.previous_scan_id, t.from_status, t.to_status)
            for t in store.transitions(second)
        }
        back = {
            t.finding_id: (t.previous_scan_id, t.from_status, t.to_status)
            for t in store.transitions(third)
        }
        entered = store.transitions(first)

    assert {t.finding_id for t in entered} == {f.finding_id for f in reference.findings.findings}
    assert all(t.from_status is None and t.previous_scan_id is None for t in entered)
    assert changes == {
        "IDF-008-184c4804b579f182": (first, "pass", "fail"),  # pinned cert now < 30 days
        "MFA-005-32833f3f0ce95a31": (first, "pass", "fail"),  # breakglass-aws lost MFA
        "MFA-005-95258023a6558b72": (first, "fail", "pass"),  # ops-legacy has MFA
        "PAM-002-9f6f6de5fd1a2209": (first, "fail", None),  # ci-full-access deleted
    }
    assert back == {
        "MFA-005-32833f3f0ce95a31": (second, "fail", "pass"),
        "MFA-005-95258023a6558b72": (second, "pass", "fail"),
        "PAM-002-9f6f6de5fd1a2209": (second, None, "fail"),
    }
    assert len(lifecycle) == len(reference.findings.findings)
    gone = lifecycle["PAM-002-9f6f6de5fd1a2209"]
    assert (gone.first_seen, gone.first_scan_id) == ("2026-11-01T09:04:12Z", first)
    assert (gone.last_seen, gone.last_scan_id, gone.last_status) == (
        "2026-11-15T09:04:12Z",
        third,
        "fail",
    )
    for entry in lifecycle.values():
        assert (entry.first_seen, entry.first_scan_id) == ("2026-11-01T09:04:12Z", first)
        assert (entry.last_seen, entry.last_scan_id) == ("2026-11-15T09:04:12Z", third)


def test_lifecycle_of_a_finding_that_disappears(
    store_url: str, reference: Evaluation, week_later: Evaluation
) -> None:
    with HistoryStore.open(store_url) as store:
        first = store.record(scan_input(reference))
        second = store.record(scan_input(week_later))
        lifecycle = store.lifecycle(scan_input(reference).scope.key)
    policy_findings = {
        f.finding_id for f in reference.findings.findings if f.resource_uid == CI_FULL_ACCESS
    }
    assert policy_findings == {"PAM-002-9f6f6de5fd1a2209"}
    for finding_id, entry in lifecycle.items():
        last = (
            (first, "2026-11-01T09:04:12Z")
            if finding_id in policy_findings
            else (
                second,
                "2026-11-08T09:04:12Z",
            )
        )
        assert (entry.last_scan_id, entry.last_seen) == last
    assert lifecycle["MFA-005-32833f3f0ce95a31"].last_status == "fail"


def test_history_listing_counts_and_trend(
    store_url: str, reference: Evaluation, week_later: Evaluation, fortnight_later: Evaluation
) -> None:
    with HistoryStore.open(store_url) as store:
        ids = [store.record(scan_input(e)) for e in (reference, week_later, fortnight_later)]
        scans = store.scans()
        assert [s.id for s in store.scans(limit=2)] == ids[1:]
        assert store.last_two() == (ids[1], ids[2])
    outcomes = Counter(f.status.value for f in reference.findings.findings)
    failing = outcomes["fail"]
    assert [(s.id, s.status, s.failing, s.trend) for s in scans] == [
        (ids[0], "complete", failing, None),
        # a week later: ci-full-access is gone (-1) and the certificate the AWS SAML
        # provider pins (expiring 2026-12-07) is within 30 days of expiry (+1, IDF-008)
        (ids[1], "complete", failing, 0),
        (ids[2], "complete", failing + 1, 1),
    ]
    assert [s.snapshot_finished[:10] for s in scans] == ["2026-11-01", "2026-11-08", "2026-11-15"]
    first = scans[0]
    per_framework: dict[str, Counter[str]] = {}
    for finding in reference.findings.findings:
        for name in finding.frameworks:
            per_framework.setdefault(name, Counter())[finding.status.value] += 1
    assert first.counts == {
        "findings": dict(outcomes),
        "frameworks": {name: dict(counter) for name, counter in per_framework.items()},
    }
    assert set(first.counts["frameworks"]) == {"gdpr", "iso27001_2022", "soc2"}
    assert first.findings_total == len(reference.findings.findings)
    assert first.scope_key == (
        "aws:111122223333 azure:3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f "
        "oci:ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
    )
    assert first.recorded_at.tzinfo is not None


def test_scopes_are_trended_and_compared_apart(store_url: str, reference: Evaluation) -> None:
    whole = scan_input(reference)
    aws_only = scan_scope(reference.snapshot.manifest, reference.snapshot.resources, clouds=["aws"])
    with HistoryStore.open(store_url) as store:
        a = store.record(whole)
        b = store.record(ScanInput(reference.findings, reference.snapshot.resources, aws_only))
        c = store.record(whole)
        trends = {s.id: s.trend for s in store.scans()}
        assert store.last_two() == (a, c)
        with pytest.raises(ScanNotFoundError, match="fewer than two complete scans"):
            store.last_two(aws_only.key)
    assert aws_only.key == "aws:111122223333"
    assert trends == {a: None, b: None, c: 0}


def test_migrations_match_the_models(store_url: str) -> None:
    HistoryStore.open(store_url).close()
    engine = create_engine(engine_url(store_url))
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_a_store_from_a_newer_schema_is_refused(store_url: str) -> None:
    HistoryStore.open(store_url).close()
    engine = create_engine(engine_url(store_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(HistorySchemaError, match="'9999' was written by a newer auditgraph"):
        HistoryStore.open(store_url)


def test_an_unknown_scan_is_not_found(store_url: str) -> None:
    with HistoryStore.open(store_url) as store, pytest.raises(ScanNotFoundError, match="no scan 7"):
        store.findings_document(7)


def test_killed_mid_write_leaves_no_complete_scan(store_url: str, reference: Evaluation) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.support.history_writer", store_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        line = writer.stdout.readline()
        assert line.startswith(MARKER), line
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    with HistoryStore.open(store_url, busy_timeout=10) as store:
        (killed,) = store.scans()
        assert killed.status == "running"
        with pytest.raises(ScanNotFoundError, match="is running, not complete"):
            store.findings_document(killed.id)
        assert sql_count(store_url, "SELECT count(*) FROM findings") == 0
        assert sql_count(store_url, "SELECT count(*) FROM finding_lifecycle") == 0
        after = store.record(scan_input(reference))
        assert store.findings_document(after) == reference.findings
        assert [(s.status, s.trend) for s in store.scans()] == [
            ("running", None),
            ("complete", None),
        ]
    assert COPIES * len(reference.findings.findings) > 2000


class _HeldWriter:
    """A scan recorded in a thread that stops inside its transaction until released."""

    def __init__(self, url: str, scan: ScanInput) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()
        self.result: list[int | BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(url, scan))

    def _hold(self, stage: str) -> None:
        if not self.holding.is_set():
            self.holding.set()
            self.release.wait(30)

    def _run(self, url: str, scan: ScanInput) -> None:
        try:
            with HistoryStore.open(url) as store:
                self.result.append(store.record(scan, self._hold))
        except BaseException as exc:  # handed to the test thread
            self.result.append(exc)

    def __enter__(self) -> _HeldWriter:
        self.thread.start()
        assert self.holding.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)


def test_concurrent_scans_of_one_scope_are_serialised(
    store_url: str, reference: Evaluation
) -> None:
    scan = scan_input(reference)
    with HistoryStore.open(store_url, busy_timeout=20) as store:
        with _HeldWriter(store_url, scan) as first:
            second: list[int] = []
            waiting = threading.Thread(target=lambda: second.append(store.record(scan)))
            waiting.start()
            waiting.join(1.0)
            assert waiting.is_alive()  # blocked behind the first scan's lock
        waiting.join(30)
        assert first.result == [1]
        assert second == [2]
        assert store.transitions(2) == []  # it ran after the first committed
        assert [(s.id, s.status, s.trend) for s in store.scans()] == [
            (1, "complete", None),
            (2, "complete", 0),
        ]
        assert store.findings_document(2) == reference.findings


def test_a_scan_that_waits_too_long_is_refused_naming_the_scope(
    store_url: str, reference: Evaluation
) -> None:
    scan = scan_input(reference)
    with HistoryStore.open(store_url, busy_timeout=0.3) as store:
        with _HeldWriter(store_url, scan) as first, pytest.raises(HistoryBusyError) as refused:
            store.record(scan)
        assert scan.scope.key in str(refused.value)
        assert first.result == [1]
        statuses = {s.id: s.status for s in store.scans()}
        assert statuses[1] == "complete"
        assert set(statuses.values()) <= {"complete", "failed"}
        assert store.findings_document(1) == reference.findings
        total = len(reference.findings.findings)
        assert sql_count(store_url, "SELECT count(*) FROM findings") == total


def test_findings_are_counted_per_scan(store_url: str, reference: Evaluation) -> None:
    with HistoryStore.open(store_url) as store:
        store.record(scan_input(reference))
        store.record(scan_input(reference))
    engine = create_engine(engine_url(store_url))
    with engine.connect() as conn:
        per_scan = dict(
            conn.execute(
                select(FindingRow.scan_id, func.count()).group_by(FindingRow.scan_id)
            ).all()
        )
    engine.dispose()
    total = len(reference.findings.findings)
    assert per_scan == {1: total, 2: total}


def test_other_scopes_wait_on_sqlite_only(store_url: str, reference: Evaluation) -> None:
    """PostgreSQL locks per scope; SQLite has one write lock for the whole file."""
    whole = scan_input(reference)
    aws = scan_scope(reference.snapshot.manifest, reference.snapshot.resources, clouds=["aws"])
    aws_scan = ScanInput(reference.findings, reference.snapshot.resources, aws)
    with HistoryStore.open(store_url, busy_timeout=0.3) as store:
        with _HeldWriter(store_url, whole):
            if store_url.startswith("sqlite"):
                with pytest.raises(HistoryBusyError, match="aws:111122223333"):
                    store.record(aws_scan)
            else:
                assert store.record(aws_scan) == 2
        assert {s.scope_key: s.status for s in store.scans()} == {
            whole.scope.key: "complete",
            **({} if store_url.startswith("sqlite") else {aws.key: "complete"}),
        }
