import pytest


@pytest.mark.resource("db")
@pytest.mark.parametrize("n", range(4))
def test_database(n, db):
    pass


@pytest.mark.xdist_group("a")
@pytest.mark.parametrize("n", range(3))
def test_group(n, group_a):
    pass


@pytest.mark.heavy(slots=2)
def test_heavy():
    pass


@pytest.mark.resource("db")
@pytest.mark.isolation("port")
def test_two_keys(db, fixed_port):
    pass


@pytest.mark.isolation("port")
def test_keyed_port(fixed_port):
    pass
