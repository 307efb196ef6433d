"""A realistic simulated marketing business: demo data and test data with known truth.

``simulate(out_dir, SimulationConfig())`` writes a landing zone that follows the data
contract and ``ground_truth.json`` with the parameters and the true source of every
conversion, which the pipeline's model and attribution are checked against.
"""

from mmm_pipeline.simulate.config import SimulationConfig
from mmm_pipeline.simulate.simulator import LandingZoneNotEmpty, simulate

__all__ = ["LandingZoneNotEmpty", "SimulationConfig", "simulate"]
