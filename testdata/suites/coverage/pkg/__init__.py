"""A small package that the tests cover in part."""
