"""Tests of the simulator's wire endpoints (firmware_sim.io)."""
