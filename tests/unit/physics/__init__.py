"""Physics tests: closed forms and published references, each with its tolerance stated."""
