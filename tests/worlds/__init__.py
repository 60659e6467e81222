"""World tests: one file per world and test_all_worlds.py for what holds in every world."""
