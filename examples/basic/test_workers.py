import os


def test_worker_identity(worker_id):
    # shoal sets the same identity pytest-xdist does.
    assert worker_id == os.environ["PYTEST_XDIST_WORKER"] == os.environ["SHOAL_WORKER"]


def test_private_tmp(tmp_path):
    # Every worker has its own basetemp, so tmp_path never collides.
    (tmp_path / "out.txt").write_text("mine")
    assert (tmp_path / "out.txt").read_text() == "mine"
