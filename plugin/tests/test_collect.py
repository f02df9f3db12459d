"""Which suites the session must collect whole: a pytest_collection_modifyitems
that orders one file's tests by those of other files."""

import pytest

from shoal_plugin import collect

pytest_plugins = ["pytester"]


@pytest.mark.parametrize(
    "name, text, crosses",
    [
        ("test_a.py", '@pytest.mark.order(after="test_b.py::test_x")\ndef test_1(): pass\n', True),
        ("test_a.py", "@pytest.mark.order(\n    before='test_b.py::test_x',\n)\ndef test_1(): pass\n", True),
        ("test_a.py", '@pytest.mark.dependency(depends=["test_b.py::test_x"])\ndef test_1(): pass\n', True),
        ("test_a.py", "@pytest.mark.order(1)\ndef test_1(): pass\n", False),
        ("test_a.py", "def test_1():\n    before = 1\n    after = before\n", False),
        ("conftest.py", "import random\ndef pytest_collection_modifyitems(items):\n    random.shuffle(items)\n", True),
        ("conftest.py", "def pytest_collection_modifyitems(items):\n    items.sort(key=lambda i: i.name)\n", True),
        ("conftest.py", "def pytest_collection_modifyitems(items):\n    for i in items:\n        i.add_marker('slow')\n", False),
        ("conftest.py", "import random\nrandom.shuffle([1, 2])\n", False),
    ],
)
def test_orders_across_files(pytester, name, text, crosses):
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(**{name.rsplit(".", 1)[0]: text})
    pytester.makepyfile(test_b="def test_x(): pass\n")
    config = pytester.parseconfigure(str(pytester.path))
    assert collect.orders_across_files(config) is crosses


def test_module_scope_orders_each_file_alone(pytester):
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_a='@pytest.mark.order(after="test_b.py::test_x")\ndef test_1(): pass\n')
    config = pytester.parseconfigure(str(pytester.path), "--order-scope", "module")
    assert not collect.orders_across_files(config)
