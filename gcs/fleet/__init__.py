"""Fleet and reuse records: what each flight took out of a vehicle, and whether it may fly again.

- ``record``: a pure builder that turns one flight's telemetry into a ``FlightRecord``;
- ``totals``: a vehicle's figures summed over its records;
- ``limits``: the inspection and refurbishment limits per vehicle type (configs/limits/fleet.toml),
  the names of the limits and who may clear them;
- ``status``: a pure verdict (ok, inspection due, refurbishment due) from records, limits and clearances;
- ``schema`` and ``store``: the SQLite database, its migrations and its reads and writes;
- ``cli``: ``gcs fleet show`` and ``gcs fleet clear``.

Knows nothing of links, the count, the console or the recorder: the station feeds the builder and
asks the store for a vehicle's status; the poll decides what a no-go does.
"""
