def test_before_the_error():
    assert True
