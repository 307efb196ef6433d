"""Data quality: tracking diagnostics, delivery problems and the MMM readiness gate."""
