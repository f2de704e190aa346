"""Private instances the fault tests own and may kill: a redis-server, a PostgreSQL cluster and a moto
S3 server, each on a free port. The machine's shared PostgreSQL and Redis are never stopped."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from tests.support.services import free_port, wait_for_port

PG_BIN = "/usr/lib/postgresql/15/bin"


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="levqor-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Always starts empty (no persistence): a restart is "Redis came back with nothing"."""
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """initdb into a temp dir owned by the postgres user; pg_ctl start/stop on a free port."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="levqor-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres([f"{PG_BIN}/initdb", "-D", self.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, argv: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-w", "-l", f"{self.dir}/log", "-o",
                           f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start"])

    def stop(self) -> None:
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-m", "immediate", "-w", "stop"])

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


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
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.close()


@pytest.fixture(scope="session")
def private_pg_cluster():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.close()


@pytest.fixture
def private_pg(private_pg_cluster):
    """A fresh database on the private cluster, migrated; the cluster is running again afterwards."""
    from sqlalchemy import create_engine, text

    name = f"levqor_faults_{uuid.uuid4().hex[:8]}"
    admin = create_engine(private_pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield private_pg_cluster, private_pg_cluster.url(name)
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
