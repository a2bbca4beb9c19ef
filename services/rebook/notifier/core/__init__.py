"""Pure core of the notifier: who sees which notifications, the notification store and its dedupe,
webhook signing and retry policy, channel validation, and the passenger client's text."""

from rebook.notifier.core.auth import Scope, passenger_scope, principal_scope, require_passenger, subscription_scope
from rebook.notifier.core.channels import ChannelRecord, Route, validate_registration
from rebook.notifier.core.retry import RetryPolicy, is_retryable
from rebook.notifier.core.settings import NotifierSettings
from rebook.notifier.core.signing import sign_webhook, verify_webhook, webhook_headers
from rebook.notifier.core.store import Entry, NotificationStore, OfferFacts, notification_id

__all__ = [
    "ChannelRecord",
    "Entry",
    "NotificationStore",
    "NotifierSettings",
    "OfferFacts",
    "RetryPolicy",
    "Route",
    "Scope",
    "is_retryable",
    "notification_id",
    "passenger_scope",
    "principal_scope",
    "require_passenger",
    "sign_webhook",
    "subscription_scope",
    "validate_registration",
    "verify_webhook",
    "webhook_headers",
]
