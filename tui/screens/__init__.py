"""The dashboard's screens: setup, live run, results, compare, help."""
