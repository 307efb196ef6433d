"""The report of a run, the last asset of the report job."""
