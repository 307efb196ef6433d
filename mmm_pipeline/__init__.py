"""mmm-pipeline: raw channel data to calibrated MMM attribution and budget decisions."""
