"""Tests of mmm_pipeline's simulate package."""
