import unittest


class CalculatorTest(unittest.TestCase):
    def setUp(self):
        self.values = [1, 2, 3]

    def tearDown(self):
        self.values = None

    def test_sum(self):
        self.assertEqual(sum(self.values), 6)

    def test_wrong_sum(self):
        self.assertEqual(sum(self.values), 7)

    @unittest.skip("skipped by unittest")
    def test_skipped(self):
        self.fail("never runs")

    def test_skip_inside(self):
        self.skipTest("skipped from inside a TestCase")

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(1, 2)
