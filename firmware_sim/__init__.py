"""The simulated vehicle: physics, flight software and its wire endpoints. Never imports gcs (but its dialect)."""
