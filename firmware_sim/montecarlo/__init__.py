"""Monte-Carlo dispersions of a SITL mission: many dispersed flights of a scenario, the flight
software's guidance in the loop (``python -m firmware_sim montecarlo``).

``dispersions`` draws the per-run inputs, ``scenario`` reads what a scenario flies and picks the
engine. The vectorised engine flies every run at once in numpy arrays: ``fleet_deck`` moves each
run's deck in its own sea, ``navigation`` turns the truth into what each run's flight computer
believes, ``guidance`` is the hop's flight software in array form, ``flight`` steps it all with the
physics' own integrator. The scalar engine flies each run with the real flight software and physics
(``scalar_inputs`` applies the draws to the configs, ``scalar_flight`` flies one run,
``scalar_batch`` flies them in a process pool). ``results`` writes one row per run, whichever engine
flew it. Knows nothing of the ground station: the parent process (``gcs montecarlo``) reads the
files it writes.
"""
