"""Files in places of the test's or the worker's own: never shared."""

import tempfile
import socket

import pytest

from hold import work


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(3))
def test_report_in_tmp_path(tmp_path, n):
    out = tmp_path / "report.txt"
    out.write_text("lines %d\n" % n)
    assert out.read_text().startswith("lines")
    work(0.08)


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(3))
def test_cache_in_worker_tmp_path(worker_tmp_path, n):
    cache = worker_tmp_path / ("cache-%d" % n)
    cache.mkdir(exist_ok=True)
    (cache / "entry").write_text("x")
    assert (cache / "entry").exists()
    work(0.08)


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(2))
def test_scratch_in_tempdir(n):
    with tempfile.TemporaryDirectory() as d:
        with open(d + "/scratch", "w") as f:
            f.write("scratch")
    work(0.08)


@pytest.mark.isolation
@pytest.mark.parametrize("n", range(2))
def test_server_on_free_port(free_port, n):
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", free_port))
        sock.listen()
    finally:
        sock.close()
    work(0.08)


@pytest.mark.parametrize("n", range(15))
def test_write_tmp_path(tmp_path, n):
    (tmp_path / "f").write_text(str(n))
    assert (tmp_path / "f").read_text() == str(n)
    work(0.02)
