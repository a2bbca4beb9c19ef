"""The detector service: flight state, disruption rules and rotation delay propagation.

``rebook.detector.core`` is the pure core (no grpc, no kafka); the servicer and the Kafka
loop only translate protobuf messages to and from its plain data.
"""
