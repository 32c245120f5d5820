"""SITL runs: ``gcs sitl`` starts the simulator's processes and the ground station, and judges a scenario."""
