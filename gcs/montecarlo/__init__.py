"""``gcs montecarlo``: run a batch of dispersed simulated flights and report the landing dispersion."""
