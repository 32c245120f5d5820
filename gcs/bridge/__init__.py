"""MQTT fan-out of telemetry; the only package that imports aiomqtt. Read-only: never commands the vehicle."""
