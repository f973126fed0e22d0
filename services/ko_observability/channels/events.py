"""Events of the channels domain (payloads never carry a secret nor a receiver's answer text)."""

from ko_common.events import event_spec
from ko_observability.channels.schemas import ChannelEvent, DeliveryFailedEvent

CREATED = event_spec("ko.observability.channel.created", ChannelEvent, "A notification channel was created.")
UPDATED = event_spec(
    "ko.observability.channel.updated", ChannelEvent, "A notification channel's settings or secrets changed."
)
DELETED = event_spec("ko.observability.channel.deleted", ChannelEvent, "A notification channel was deleted.")
DELIVERY_FAILED = event_spec(
    "ko.observability.delivery.failed",
    DeliveryFailedEvent,
    "A message could not be delivered to a channel after its attempts.",
)
