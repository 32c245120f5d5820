"""Monte-Carlo dispersions of a SITL mission: many dispersed flights at once, the flight software's
guidance in the loop, in numpy arrays over runs (``python -m firmware_sim montecarlo``).

``dispersions`` draws the per-run inputs, ``scenario`` reads what a scenario flies, ``fleet_deck``
moves each run's deck in its own sea, ``navigation`` turns the truth into what each run's flight
computer believes, ``guidance`` is the hop's flight software in array form, ``flight`` steps it all
with the physics' own integrator, ``results`` writes one row per run. Knows nothing of the ground
station: the parent process (``gcs montecarlo``) reads the files it writes.
"""
