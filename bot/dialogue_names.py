"""Every name of the dialogue domain (``domain.yml``) that Python code uses, defined once.

The actions, the gateway and the desk's summary all read slots, intents and entities by these names;
``tests/unit/test_domain_agreement.py`` fails when one of them is not in ``domain.yml`` or when the domain
defines a custom action, slot or response nothing uses. Plain strings (not enums), so they travel through
rasa-sdk's events and JSON untouched.
"""

from __future__ import annotations

from typing import Final, final


@final
class Actions:
    CONFIRM: Final = "action_confirm"
    DECLINE: Final = "action_decline"
    STOP_REQUEST: Final = "action_stop_request"
    ANSWER_POLICY: Final = "action_answer_policy"
    OUT_OF_SCOPE: Final = "action_out_of_scope"
    FALLBACK: Final = "action_fallback"
    HANDOFF: Final = "action_handoff"
    VALIDATE_VERIFY_ORDER_FORM: Final = "validate_verify_order_form"


@final
class Responses:
    ASK_ORDER_NUMBER: Final = "utter_ask_order_number"
    NO_PROBLEM: Final = "utter_no_problem"


@final
class Forms:
    VERIFY_ORDER: Final = "verify_order_form"


@final
class Slots:
    ORDER_NUMBER: Final = "order_number"
    CONTACT: Final = "contact"
    ORDER_POINTER: Final = "order_pointer"
    PRODUCT: Final = "product"
    VERIFIED_ORDER: Final = "verified_order"
    VERIFICATION_ATTEMPTS: Final = "verification_attempts"
    PENDING_REQUEST: Final = "pending_request"
    AWAITING_CONFIRMATION: Final = "awaiting_confirmation"
    CONFIRMATION_SUBJECT: Final = "confirmation_subject"
    HANDOFF_TRIGGER: Final = "handoff_trigger"
    REQUESTED_SLOT: Final = "requested_slot"  # Rasa's own: the slot a form is asking for


@final
class Entities:
    ORDER_NUMBER: Final = "order_number"
    EMAIL: Final = "email"
    POSTCODE: Final = "postcode"
    PRODUCT: Final = "product"
    HANDOFF_TRIGGER: Final = "handoff_trigger"


@final
class Intents:
    GREET: Final = "greet"
    GOODBYE: Final = "goodbye"
    THANK: Final = "thank"
    AFFIRM: Final = "affirm"
    DENY: Final = "deny"
    INFORM: Final = "inform"
    HUMAN_HANDOFF: Final = "human_handoff"
    NLU_FALLBACK: Final = "nlu_fallback"  # Rasa's own: the FallbackClassifier's intent
    # the requests that need a verified order
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
        Intents.ORDER_STATUS,
        Intents.TRACKING_INFO,
        Intents.SHIPPING_DELAY,
        Intents.RETURN_ELIGIBILITY,
        Intents.START_RETURN,
        Intents.REFUND_STATUS,
        Intents.CANCEL_ORDER,
        Intents.CHANGE_ADDRESS,
    }
)

# what the shopper says that is not a question to pass on to an agent
CHITCHAT: Final = frozenset(
    {
        Intents.GREET,
        Intents.GOODBYE,
        Intents.THANK,
        Intents.AFFIRM,
        Intents.DENY,
        Intents.INFORM,
        Intents.NLU_FALLBACK,
        Intents.HUMAN_HANDOFF,
    }
)

ORDER_POINTER_LATEST: Final = "latest"  # the value the order_pointer entity takes for "my last order"
