"""State that tests share through the process they run in."""

settings = {}
