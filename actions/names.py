"""Every slot, intent, request and action name the actions use, defined once (they match domain.yml)."""

from typing import Final

# slots
ORDER_NUMBER: Final = "order_number"
CONTACT: Final = "contact"
ORDER_POINTER: Final = "order_pointer"
PRODUCT: Final = "product"
VERIFIED_ORDER: Final = "verified_order"
VERIFICATION_ATTEMPTS: Final = "verification_attempts"
PENDING_REQUEST: Final = "pending_request"
AWAITING_CONFIRMATION: Final = "awaiting_confirmation"
CONFIRMATION_SUBJECT: Final = "confirmation_subject"
REQUESTED_SLOT: Final = "requested_slot"
HANDOFF_TRIGGER: Final = "handoff_trigger"

# the requests that need a verified order (intent names)
ORDER_STATUS: Final = "order_status"
TRACKING_INFO: Final = "tracking_info"
SHIPPING_DELAY: Final = "shipping_delay"
RETURN_ELIGIBILITY: Final = "return_eligibility"
START_RETURN: Final = "start_return"
REFUND_STATUS: Final = "refund_status"
CANCEL_ORDER: Final = "cancel_order"
CHANGE_ADDRESS: Final = "change_address"
ORDER_REQUESTS: Final = frozenset(
    {
        ORDER_STATUS,
        TRACKING_INFO,
        SHIPPING_DELAY,
        RETURN_ELIGIBILITY,
        START_RETURN,
        REFUND_STATUS,
        CANCEL_ORDER,
        CHANGE_ADDRESS,
    }
)

# other intents
NLU_FALLBACK: Final = "nlu_fallback"
HUMAN_HANDOFF: Final = "human_handoff"
AFFIRM: Final = "affirm"
DENY: Final = "deny"

MAX_VERIFICATION_ATTEMPTS: Final = 3
MISUNDERSTANDINGS_BEFORE_OFFER: Final = 2

# what a "yes" would do
SUBJECT_RETURN: Final = "return"
SUBJECT_CANCEL: Final = "cancel"
