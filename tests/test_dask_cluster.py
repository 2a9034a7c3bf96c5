"""The audit on a real Dask deployment: a `dask scheduler` and two `dask worker` processes on loopback,
the audit submitted to the scheduler by address, one worker killed mid-run, and the run still complete
with every note (README, "Auditing on a Dask cluster", gives the same steps for several machines)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from suggester.audit import run_audit

DATA = Path(__file__).parent / "data"
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore")]


def _dask(*args, log):
    exe = shutil.which("dask", path=str(BIN)) or shutil.which("dask")
    assert exe, "the dask command comes with the dev install (dask[distributed])"
    return subprocess.Popen([exe, *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait(predicate, seconds=60.0, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two nanny-less workers (a killed worker stays dead, like a lost machine)."""
    sched_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "w")
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--scheduler-file", str(sched_file), log=log)]
    address = _wait(lambda: sched_file.exists() and json.loads(sched_file.read_text() or "{}").get("address"),
                    what="the scheduler file")
    workers = [_dask("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}",
                     "--memory-limit", "2GiB", log=log) for i in (1, 2)]
    procs += workers
    from distributed import Client
    with Client(address, set_as_default=False, timeout="30s") as client:
        _wait(lambda: len(client.scheduler_info()["workers"]) == 2, what="two workers")
    try:
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        log.close()


def test_audit_survives_a_worker_killed_mid_run(cluster, tmp_path, engine):
    address, workers = cluster
    base = pd.read_csv(DATA / "audit_notes.csv", dtype=str)
    copies = []
    for k in range(20):  # 220 notes in 22 chunks of 10
        frame = base.copy()
        frame["note_id"] = frame["note_id"] + f"-{k}"
        copies.append(frame)
    notes = tmp_path / "notes.csv"
    pd.concat(copies).to_csv(notes, index=False)

    expected = tmp_path / "local.csv"
    run_audit(notes, out=expected, engine=engine, chunk_size=10)

    killed = []

    def kill_one_worker(done, position, total):
        if not killed and done >= 10:
            os.killpg(workers[0].pid, signal.SIGKILL)   # the worker is gone for good (no nanny to restart it)
            killed.append(done)

    out = tmp_path / "dask.csv"
    run = run_audit(notes, out=out, backend="dask", scheduler=address, chunk_size=10, progress=kill_one_worker)
    assert killed and workers[0].wait(timeout=10) == -signal.SIGKILL
    assert run.notes == len(base) * 20
    got = pd.read_csv(out, dtype=str).sort_values(["note_id", "code"]).reset_index(drop=True)
    want = pd.read_csv(expected, dtype=str).sort_values(["note_id", "code"]).reset_index(drop=True)
    assert set(got["note_id"]) == set(want["note_id"]) and len(set(got["note_id"])) == len(base) * 20
    pd.testing.assert_frame_equal(got, want)
