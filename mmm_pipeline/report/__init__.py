"""The HTML report: every result of a run, for people who do not write SQL."""
