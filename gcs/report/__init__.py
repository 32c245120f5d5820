"""Post-flight reports: ``gcs report`` turns a recorded session folder into one self-contained HTML page.

``flight_data`` reads the session (the recorder's timeline, the station's own decoders), ``analysis``,
``journal_view`` and ``geometry`` derive what is shown, ``plots`` is the one module that knows
matplotlib, ``html`` and the ``sections_*`` modules build the page, ``document`` assembles it and
``command`` is the CLI. Nothing here writes into a session folder.
"""
