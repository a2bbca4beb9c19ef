"""The notifier service: delivers offers to passengers, once per offer version.

Where each part is:

- ``core/`` — the pure core: ``store`` (notifications, dedupe, retention), ``channels``
  (registration), ``retry``, ``signing``, ``display``, ``auth`` (scopes), ``settings``.
- ``convert.py`` — protobuf ⇄ core.
- ``servicer.py`` — ``NotificationService``: translation, access rules, error codes.
- ``engine.py`` — routing around the store: Subscribe streams, and push channels through the
  ``channel.Channel`` port (``webhooks.WebhookChannel``; ``webhook_guard`` checks addresses).
- ``state.py`` — the Kafka side: durable state on a compacted topic and its rebuild.
- ``app.py`` — ``build(config, deps) -> Service``, the composition root ``main`` and the
  integration tests call; ``PUSH_CHANNELS`` lists the channels offered.
- ``main.py`` — ``rebook notifier``: ``REBOOK_NOTIFIER_*`` settings; ``metrics.py``.  The
  passenger's terminal client is tooling (``rebook.tooling.passenger_cli``).
"""
