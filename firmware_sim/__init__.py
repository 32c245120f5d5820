"""The simulated vehicle: physics, flight software and its wire endpoints.

Never imports gcs, except the shared wire definition (gcs.protocol.dialect).
"""
