"""What the compress stage hands the run stage (evaluation data, vocabularies): Python 3.6-safe, numpy only."""
