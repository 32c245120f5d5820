"""MQTT fan-out of telemetry; the only package that imports aiomqtt. Read-only: never commands the vehicle.

Modules:
    settings    broker URL (``--mqtt``), credentials from a secrets file or the environment, TLS,
                and the resolved ``BridgeSettings``
    routes      hub value type -> topic template, class (state / stream / event), serializer
    catalog     the routes shipped for today's values (links, platforms, launch control)
    outbox      the bounded, prioritised queue: sans-IO, time as an argument
    values      ``BridgeStats``, what the bridge reports about itself on the hub
    mqtt        ``MqttBridge``: the aiomqtt connections, the Wills, reconnection
    watch       ``gcs watch``: a terminal subscriber for someone who has only the broker

The topic tree, the payloads and a Mosquitto setup with ACLs are in docs/mqtt.md.
"""
