"""Pure numpy physics: Earth, atmosphere, vehicle, engine, waves, platform. No flight software.

The only I/O is reading TOML configs (``config``). Everything is deterministic for a given seed and
vectorised: state arrays are shaped (N, ...) and one call steps one vehicle or N. Modules, from the
bottom up (each imports only those above it):

* ``earth``: WGS-84, geodetic/ECEF/NED/ENU, J2 gravity, rotation, great circles;
* ``atmosphere``: US76 to 86 km and an exponential above, a seeded wind field;
* ``waves``: PM/JONSWAP spectra, random-phase synthesis;
* ``config``: vehicle and platform TOML files as frozen dataclasses, ``PhysicsConfigError``;
* ``aero``, ``engine``, ``attitude``: drag curve and heating, the engine cluster over a tick, the
  rate- and acceleration-limited attitude response;
* ``vehicle``: state, commands, the model of a fleet, air data and loads;
* ``platform``: deck motion, station keeping, deck wind, touchdown geometry;
* ``dynamics``, ``events``, ``integrator``: equations of motion, event placement, stepping;
* ``reference_trajectory``: an open-loop test and bench hop (not guidance).

See docs/physics.md for the models, their assumptions and where they stop being valid.
"""
