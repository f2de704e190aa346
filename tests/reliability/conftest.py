"""Private instances the fault tests own and may kill: a redis-server (restarting empty), a PostgreSQL
cluster (tests/support/private.py) and a moto S3 server, each on a free port. The machine's shared
PostgreSQL and Redis are never stopped."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid

import pytest

from tests.support.private import PrivatePostgres, PrivateRedis
from tests.support.services import free_port, wait_for_port


class EmptyRedis(PrivateRedis):
    """A private redis-server without persistence: every restart is "Redis came back with nothing"."""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a crash, not a clean shutdown
            self.proc.wait(timeout=10)
        self.proc = None


class PrivateMoto:
    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.bucket = f"levqor-faults-{uuid.uuid4().hex[:8]}"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            config=Config(signature_version="s3v4"))


@pytest.fixture
def private_redis():
    redis = EmptyRedis()
    yield redis
    redis.close()


@pytest.fixture(scope="session")
def private_pg_cluster():
    cluster = PrivatePostgres()
    yield cluster
    cluster.close()


@pytest.fixture
def private_pg(private_pg_cluster):
    """A fresh database on the private cluster, migrated; the cluster is running again afterwards."""
    from sqlalchemy import create_engine, text

    name = f"levqor_faults_{uuid.uuid4().hex[:8]}"
    admin = create_engine(private_pg_cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield private_pg_cluster, private_pg_cluster.url.rsplit("/", 1)[0] + "/" + name
    with contextlib.suppress(subprocess.CalledProcessError):
        private_pg_cluster.stop()
    private_pg_cluster.start()


@pytest.fixture
def private_moto():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    moto = PrivateMoto()
    moto.start()
    moto.client().create_bucket(Bucket=moto.bucket)
    yield moto
    moto.stop()


@pytest.fixture
def make_fault_app(app_config, tmp_path):
    """Build a second app wired to private instances (whatever the session app uses stays untouched).

    Flask-Limiter keeps its storage on the one module-level Limiter, so binding it to a second app
    would leave the session app counting in a Redis this test kills: put it back afterwards."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import limiter
    from tests.conftest import RequestScopedClient

    saved = dict(limiter.__dict__)

    def build(migrate: bool = False, **overrides):
        config, base = app_config
        settings = {**base, "STORAGE_LOCAL_DIR": str(tmp_path / "storage"), **overrides}
        fault_app = create_app(config, **settings)
        fault_app.test_client_class = RequestScopedClient
        if migrate:
            with fault_app.app_context():
                upgrade(revision="heads")
        return fault_app

    yield build
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
