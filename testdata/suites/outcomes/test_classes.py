import pytest


class TestGroup:
    def test_ok(self, class_resource, module_resource):
        assert class_resource["cls"] == "TestGroup"
        assert module_resource["module"] == "test_classes"

    def test_broken(self):
        assert {"a": 1} == {"a": 2}

    @pytest.mark.skip(reason="method skipped")
    def test_skipped(self):
        pass


class TestWithSetupMethod:
    def setup_method(self, method):
        self.value = 41

    def teardown_method(self, method):
        self.value = None

    def test_uses_setup(self):
        self.value += 1
        assert self.value == 42

    @pytest.mark.parametrize("k", [0, 1])
    def test_parametrized_method(self, k):
        assert k in (0, 1)


class TestSetupClassError:
    @classmethod
    def setup_class(cls):
        raise RuntimeError("setup_class went wrong")

    def test_never_runs(self):
        pass
