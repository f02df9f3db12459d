def test_props(record_property):
    record_property("int", 1)
    record_property("float", 2.0)
    record_property("text", 'a <b> & "c"')
    record_property("list", [1, "x"])
    record_property("none", None)


def test_props_fail(record_property):
    record_property("key", "value")
    assert False
