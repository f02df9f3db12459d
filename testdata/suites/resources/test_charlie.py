import pytest

import checks


@pytest.mark.parametrize("n", range(2))
def test_port(port, n):
    checks.serve(port, n)


@pytest.mark.parametrize("n", range(2))
def test_scratch_file(scratch_dir, n):
    checks.hold_file(scratch_dir / "report.txt")


@pytest.mark.parametrize("n", range(2))
def test_tempdir_lock(n):
    checks.tempdir_lock()


@pytest.mark.parametrize("n", range(2))
def test_table(db, n):
    checks.scratch_table(db, n)


@pytest.mark.parametrize("n", range(2))
def test_echo(echo_port, n):
    checks.echo(echo_port, n)
