"""Pure core of the notifier: tokens and credentials, the notification store and its dedupe,
webhook signing and retry policy, channel validation, and the passenger client's text."""

from rebook.notifier.core.auth import (
    Authenticator,
    ClientCredential,
    Principal,
    Scope,
    parse_clients,
    passenger_scope,
    require_passenger,
    subscription_scope,
)
from rebook.notifier.core.channels import ChannelRecord, Route, validate_registration
from rebook.notifier.core.retry import RetryPolicy, is_retryable
from rebook.notifier.core.settings import NotifierSettings
from rebook.notifier.core.signing import sign_webhook, verify_webhook, webhook_headers
from rebook.notifier.core.store import Entry, NotificationStore, OfferFacts, notification_id
from rebook.notifier.core.tokens import issue_passenger_token, verify_passenger_token

__all__ = [
    "Authenticator",
    "ChannelRecord",
    "ClientCredential",
    "Entry",
    "NotificationStore",
    "NotifierSettings",
    "OfferFacts",
    "Principal",
    "RetryPolicy",
    "Route",
    "Scope",
    "is_retryable",
    "issue_passenger_token",
    "notification_id",
    "parse_clients",
    "passenger_scope",
    "require_passenger",
    "sign_webhook",
    "subscription_scope",
    "validate_registration",
    "verify_passenger_token",
    "verify_webhook",
    "webhook_headers",
]
