"""A throwaway PostgreSQL server on loopback for the multi-PC (PostgreSQL) tests."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL


def server_binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:  # the server refuses to run as root
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def running_server(password: str | None = None,
                   auth: str = "scram-sha-256") -> Iterator[str]:
    """Start initdb + postgres in a temp folder; yield a SQLAlchemy URL base (no db name).

    Without a password every local connection is trusted. With one, the server checks
    passwords (auth: "scram-sha-256" or "md5") and the superuser 'attendance' has this
    password; the URL yielded carries it, percent-encoded.
    """
    bindir = server_binaries()
    assert bindir is not None
    root = tempfile.mkdtemp(prefix="attendance-pg-")
    data = os.path.join(root, "data")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        os.chmod(root, 0o755)
    port = _free_port()
    initdb = [f"{bindir}/initdb", "-D", data, "-U", "attendance", "--no-sync"]
    if password is None:
        initdb += ["-A", "trust"]
    else:
        pwfile = os.path.join(root, "pwfile")
        with open(pwfile, "w", encoding="utf-8") as f:
            f.write(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres")
        # With "md5" in pg_hba the server still answers SCRAM for a SCRAM-hashed password.
        initdb += ["-A", auth, f"--pwfile={pwfile}"]
    try:
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    proc = subprocess.Popen(_as_postgres([f"{bindir}/postgres", "-D", data, "-p", str(port),
                                          "-h", "127.0.0.1", "-k", root, "-F"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("PostgreSQL did not start") from None
                time.sleep(0.2)
        time.sleep(0.5)
        yield URL.create("postgresql+psycopg", username="attendance", password=password,
                         host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        # Fast shutdown: connections a test left open are closed, not waited for (the
        # default SIGTERM is a "smart" shutdown, which waits for every client to leave).
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "stop", "-D", data, "-m", "fast",
                                     "-w", "-t", "20"]), capture_output=True)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)
