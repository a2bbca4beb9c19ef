"""The shared service runtime: config, logging, metrics, gRPC bootstrap, Kafka I/O.

Every service's ``main`` wires these in a few lines; nothing here knows about flights.
"""
