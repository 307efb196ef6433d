"""Tests of mmm_pipeline's planning package."""
