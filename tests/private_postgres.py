"""A PostgreSQL server of a test's own (initdb in a temporary folder, its own port), so that
stopping and starting it disturbs nothing else on the machine."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy

INSTALL_HINT = "install Debian's postgresql package (initdb, pg_ctl) to run this test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if isinstance(found, list):
        return found[-1] if found else None
    return found


class PrivatePostgres:
    def __init__(self, initdb: str, pg_ctl: str) -> None:
        # not under pytest's tmp_path: the postgres user cannot enter root's 0700 folders
        folder = Path(tempfile.mkdtemp(prefix="debtcorpus-pg-"))
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.pg_ctl = pg_ctl
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def _run(self, argv: list[str]) -> None:
        subprocess.run([*self._as_postgres, *argv], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start"])

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stop(self) -> None:
        subprocess.run(
            [*self._as_postgres, self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )

    def wait_for_rows(self, table: str, at_least: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count(table) < at_least and time.monotonic() < deadline:
            time.sleep(0.2)

    def count(self, table: str) -> int:
        engine = sqlalchemy.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        sqlalchemy.text(f"SELECT count(*) FROM {table}")
                    ).scalar_one()
                )
        except sqlalchemy.exc.SQLAlchemyError:
            return 0
        finally:
            engine.dispose()


def private_postgres_or_skip() -> PrivatePostgres:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(INSTALL_HINT)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("initdb refuses to run as root and runuser(1) is missing")
    return PrivatePostgres(initdb, pg_ctl)
