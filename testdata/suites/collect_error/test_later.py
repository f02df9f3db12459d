def test_after_the_error():
    assert True
