"""Automation: the landing-zone sensor and the refresh and refit schedules."""
