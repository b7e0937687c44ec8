"""Fixtures of the ingestion tests: a real PostgreSQL server for the database-source tests."""

from __future__ import annotations

import pytest

from tests.ingest.pg_cluster import Cluster, ClusterError, start_cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    """A private PostgreSQL cluster (unix socket only), started once and stopped at the end.

    Fails (never skips) when the server binaries are missing: CI installs them (.ci/run).
    """
    try:
        cluster = start_cluster()
    except ClusterError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield cluster
    cluster.stop()
