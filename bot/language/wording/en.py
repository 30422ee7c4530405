"""English: the sentence frames the shopper reads. Facts (numbers, dates, names, reasons) are the
``{parameters}``; they come from the order system and the policy documents, never from here.

A translation is a sibling module with the same keys and the same parameters
(``tests/unit/test_wording.py`` checks both).
"""

from __future__ import annotations

from typing import Final

from bot.language.wording.keys import Msg

MESSAGES: Final[dict[Msg, str]] = {
    # --- citations ---------------------------------------------------------------------------------
    Msg.CITED: "{text} ({source})",
    Msg.SOURCE_BELOW: "{text}\n(Source: {source})",
    # --- buttons -----------------------------------------------------------------------------------
    Msg.BUTTON_TALK_TO_A_PERSON: "Talk to a person",
    Msg.BUTTON_NO_THANKS: "No, thanks",
    Msg.BUTTON_NO: "No",
    Msg.BUTTON_START_A_RETURN: "Start a return",
    Msg.BUTTON_ALL_ITEMS: "All of them",
    Msg.BUTTON_YES_START_THE_RETURN: "Yes, start the return",
    Msg.BUTTON_YES_CANCEL: "Yes, cancel it",
    Msg.BUTTON_NO_KEEP_IT: "No, keep it",
    Msg.BUTTON_OTHER_ORDER: "{order} (placed {day})",
    # --- understanding -----------------------------------------------------------------------------
    Msg.NOT_UNDERSTOOD: (
        "Sorry, I didn't understand that. Could you put it another way? I can check an order, "
        "explain a delay, tell you what can be returned, or answer questions about our policies."
    ),
    Msg.STILL_NOT_UNDERSTOOD: "Sorry, I'm still not understanding. Would you like to talk to a person?",
    Msg.OUT_OF_SCOPE: (
        "Sorry, that's not something I can help with. I can help with your orders, "
        "deliveries, returns, refunds and our shop policies."
    ),
    Msg.NOT_IN_THE_POLICIES: (
        "I don't have that in our policies, so I'd rather not guess. One of our team can answer it."
    ),
    # --- verification ------------------------------------------------------------------------------
    Msg.REFUND_NEEDS_THE_ORDER: "To check the refund on your order, I need to find the order first.",
    Msg.NOT_AN_ORDER_NUMBER: ("That doesn't look like one of our order numbers: they look like {examples}."),
    Msg.NO_MATCH: (
        "I can't match that order number with that email address or postcode. "
        "Please check both and try again."
    ),
    Msg.STILL_NO_MATCH: "I still can't match that order number with that email address or postcode.",
    Msg.NEW_ORDER_NEEDS_PROOF: "Order {order} needs its own check before I can say anything about it.",
    Msg.VERIFICATION_FAILED: (
        "I can't share order details without matching the order number to its email "
        "address or postcode. One of our team can help you check it."
    ),
    # --- order status and tracking -----------------------------------------------------------------
    Msg.ORDER_STATUS: "Order {order} (placed {placed}) is {status}. Items: {items}.",
    Msg.ITEM: "{quantity} × {name}",
    Msg.PARCEL: "Parcel {number} of {count}",
    Msg.YOUR_ORDER: "Your order {order}",
    Msg.PARCEL_NEEDS_A_LOOK: 'This parcel is {heading}: ask me "why is it late?" for details.',
    Msg.SHIPMENT: "{carrier} ({service}), tracking number {tracking_number}: {tracking_url}",
    Msg.SHIPMENT_WITHOUT_LINK: "{carrier} ({service}), tracking number {tracking_number}.",
    Msg.NOT_SHIPPED_YET: "Not shipped yet.",
    Msg.EXPECTED_DELIVERY: "Expected delivery: {day}.",
    Msg.DELIVERED_ON: "Delivered on {day}.",
    Msg.SHIPPED_ON: "Shipped on {day}.",
    Msg.PROMISED_BY: "Promised by {day}.",
    Msg.CURRENT_ESTIMATE: "Current estimate: {day}.",
    Msg.NO_TRACKING_YET: "Order {order} has not shipped yet, so there is no tracking number.",
    Msg.TRACKING_FOR: "Tracking for order {order}:",
    Msg.NOTHING_ON_ITS_WAY: "Order {order} is {status}, so there is nothing on its way.",
    Msg.DELIVERY_IS: "{label} is {heading}.",
    Msg.DISRUPTION_NOTICE: 'Notice from us, "{title}": {explanation}',
    # --- order statuses ----------------------------------------------------------------------------
    Msg.STATUS_PENDING: "waiting for payment",
    Msg.STATUS_PAID: "paid and waiting to be packed",
    Msg.STATUS_PROCESSING: "being packed at our warehouse",
    Msg.STATUS_PARTIALLY_SHIPPED: "partly with the carrier",
    Msg.STATUS_SHIPPED: "with the carrier",
    Msg.STATUS_DELIVERED: "delivered",
    Msg.STATUS_CANCELLED: "cancelled",
    Msg.STATUS_RETURNED: "returned",
    Msg.STATUS_REFUNDED: "refunded",
    # --- where a delivery is -----------------------------------------------------------------------
    Msg.DELIVERY_NOT_SHIPPED: "not shipped yet",
    Msg.DELIVERY_ON_TIME: "on its way and on time",
    Msg.DELIVERY_LATE: "running late",
    Msg.DELIVERY_STALLED: "waiting for a tracking update",
    Msg.DELIVERY_EXCEPTION: "held up by a problem the carrier reported",
    Msg.DELIVERY_LOST: "lost in transit",
    Msg.DELIVERY_DISRUPTED: "delayed by a disruption",
    Msg.DELIVERY_DELIVERED: "delivered",
    Msg.DELIVERY_RETURNED_TO_SENDER: "being returned to us by the carrier",
    # --- returns -----------------------------------------------------------------------------------
    Msg.ITEM_NOT_ON_ORDER: "I couldn't find that item on order {order}.",
    Msg.RETURNS_FOR: "Returns for order {order}:",
    Msg.RETURN_LINE: "- {item}: {verdict}; {reason}",
    Msg.CAN_BE_RETURNED: "can be returned",
    Msg.CANNOT_BE_RETURNED: "cannot be returned",
    Msg.NOTHING_RETURNABLE_NOW: "None of the items on this order can be returned now.",
    Msg.REST_CAN_GO_BACK: "The rest of order {order} that can go back:",
    Msg.NOTHING_ELSE_RETURNABLE: "Nothing else on order {order} can be returned now.",
    Msg.CONFIRM_RETURN_INSTEAD: "Shall I start a return for {items} from order {order} instead?",
    Msg.WHICH_ITEM_INSTEAD: "Would you like to return one of these instead?",
    Msg.WHICH_ITEM_TO_RETURN: "Which item would you like to return?",
    Msg.CONFIRM_RETURN: "Shall I start a return for {items} from order {order}?",
    Msg.RETURN_REGISTERED: "Your return {rma} for {items} from order {order} is registered.\n{instructions}",
    Msg.RETURN_NOT_STARTED: "OK, I haven't started a return. Is there anything else I can help with?",
    # --- cancellation ------------------------------------------------------------------------------
    Msg.CAN_CANCEL: "Order {order} can still be cancelled: {reason}",
    Msg.CANNOT_CANCEL: "I can't cancel order {order}: {reason}.",
    Msg.CONFIRM_CANCEL: "Do you want me to cancel order {order} now?",
    Msg.ORDER_CANCELLED: (
        "Order {order} is now cancelled. Any payment is refunded to the method you paid with."
    ),
    Msg.ORDER_CANCELLED_CITED: (
        "Order {order} is now cancelled. Any payment is refunded to the method you paid with ({source})."
    ),
    Msg.NOTHING_CANCELLED: "OK, I haven't cancelled anything. Is there anything else I can help with?",
    Msg.CANCELLATION_PENDING: (
        "The shop's order system ({platform}) has accepted the cancellation of order {order} and is still "
        "processing it. You'll get an email when it's done; ask me again in a few minutes to check."
    ),
    # --- confirming --------------------------------------------------------------------------------
    Msg.COULD_NOT_DO_IT: "I couldn't do that: {reason}.",
    Msg.LOST_TRACK_OF_THE_ORDER: "Sorry, I lost track of which order that was. Could you ask me again?",
    Msg.LOST_TRACK: "Sorry, I lost track of what we were doing. Could you ask me again?",
    Msg.TOO_LATE_NOTHING_DONE: (
        "Sorry, that took me too long, so I have not changed anything. Say yes again if you still want me to."
    ),
    # --- address changes ---------------------------------------------------------------------------
    Msg.ADDRESS_NO_DELIVERY: "Order {order} is {status}, so there is no delivery to change.",
    Msg.ADDRESS_TOO_LATE: (
        "Order {order} has already left our warehouse with {carriers}, so we can no longer change "
        "its address. The carrier's tracking page may offer a redirection:\n{links}"
    ),
    Msg.ADDRESS_CAN_CHANGE: (
        "Order {order} hasn't shipped yet, so its address can still be changed. I can't change it "
        "myself: one of our team will do it for you."
    ),
    # --- refunds -----------------------------------------------------------------------------------
    Msg.NO_REFUND: "There is no refund on order {order}.",
    Msg.NO_REFUND_YET: (
        "There is no refund on order {order} yet. Your return {rma} is {return_status}; we refund "
        "within {days} business days of receiving it."
    ),
    Msg.REFUNDS_FOR: "Refunds for order {order}:",
    Msg.REFUND_DONE: "Refund of {amount} to your {method}: {status} on {day}.",
    Msg.REFUND_STARTED: "Refund of {amount} to your {method}: {status} (started {day}).",
    Msg.CARD_REFUND_DELAY: "Card refunds can take up to {days} further days to show on your statement.",
    Msg.REFUND_PENDING: "waiting to be processed",
    Msg.REFUND_PROCESSING: "being processed",
    Msg.REFUND_COMPLETED: "paid",
    Msg.REFUND_FAILED: "not completed: the payment was refused",
    # --- a person takes over -----------------------------------------------------------------------
    Msg.QUEUE_NEXT: (
        "I'm bringing in one of our team. You're next; the expected wait is about {wait}. "
        "They'll see everything we've talked about, so you won't need to repeat yourself."
    ),
    Msg.QUEUE_POSITION: (
        "I'm bringing in one of our team. You're number {position} in the queue; the expected wait is "
        "about {wait}. They'll see everything we've talked about, so you won't need to "
        "repeat yourself."
    ),
    Msg.ONE_MINUTE: "a minute",
    Msg.MINUTES: "{minutes} minutes",
    Msg.OPENS_AT: "{weekday} at {time}",
    Msg.TEAM_OFFLINE: (
        "Our team is offline right now (back {opens} UK time). They'll reply by email at {email} within "
        "{hours} hours, with everything we've talked about."
    ),
    Msg.TEAM_OFFLINE_NO_EMAIL: (
        "Our team is offline right now (back {opens} UK time). They'll reply by email within "
        "{hours} hours, with everything we've talked about. What email address should they reply to?"
    ),
    Msg.NOBODY_AVAILABLE: (
        "Nobody from our team is available right now, so rather than keep you waiting in a queue, they'll "
        "reply by email to {email} within {hours} hours, with everything we've talked about. "
        "Meanwhile I can keep helping with your order."
    ),
    Msg.NOBODY_AVAILABLE_NO_EMAIL: (
        "Nobody from our team is available right now, so rather than keep you waiting in a queue, they'll "
        "reply by email within {hours} hours, with everything we've talked about. "
        "What email address should they reply to?"
    ),
    Msg.EMAIL_ON_YOUR_ORDER: "the email address on your order",
    Msg.REPLY_EMAIL_NOTED: "Thanks, our team will reply to {email}.",
    Msg.AGENT_JOINED: "{agent} from our team has joined the chat.",
    Msg.BACK_WITH_THE_ASSISTANT: (
        "You're back with the assistant. I still have the details of your order, so just ask if there's "
        "anything else."
    ),
    Msg.NOBODY_FREE: (
        "Sorry, nobody from our team is free right now. They'll reply by email to {email} within "
        "{hours} hours, with everything we've talked about. "
        "Meanwhile I'm back and can keep helping with your order."
    ),
    Msg.NOBODY_FREE_NO_EMAIL: (
        "Sorry, nobody from our team is free right now. They'll reply by email within "
        "{hours} hours, with everything we've talked about. What email address should they use? "
        "Meanwhile I'm back and can keep helping with your order."
    ),
    Msg.SURVEY_QUESTION: "How did we do today? Please rate your experience from 1 (poor) to 5 (excellent).",
    Msg.THANKS: "Thanks!",
    Msg.THANKS_FOR_THE_FEEDBACK: "Thank you for your feedback!",
    # --- the channels ------------------------------------------------------------------------------
    Msg.ASSISTANT_UNAVAILABLE: "The assistant is unavailable right now; please try again in a minute.",
    Msg.CHAT_UNAVAILABLE: (
        "Our chat is unavailable right now and your message was not received; please try again in a minute."
    ),
    Msg.ASSISTANT_SLOW: (
        "The assistant is taking longer than usual. Its answer will appear here as soon as it comes; "
        "until it says so, nothing has been changed on your order."
    ),
    Msg.TELEGRAM_GREETING: (
        "Hi! I'm the shop's support assistant. I can tell you where your order is, "
        "explain our returns and delivery policies, and put you through to a person."
    ),
    Msg.TELEGRAM_HELP: (
        "Just write to me in your own words, for example:\n"
        "• where is my order SD-12345?\n"
        "• can I still return my order?\n"
        "• how long does delivery take?\n"
        "• I'd like to talk to a person\n\n"
        "To look up an order I'll ask for its number and the email address you ordered with."
    ),
    Msg.TELEGRAM_UNSUPPORTED: (
        "Sorry, I can only read text messages, not photos, stickers, voice notes or files. "
        "Please type your question, and I'll do my best to help."
    ),
    Msg.TELEGRAM_STALE_BUTTON: "That choice has expired; please type your answer instead.",
    Msg.SOMETHING_WENT_WRONG: "Sorry, something went wrong on our side. Please try again in a moment.",
    # --- proactive delay notices (bot/desk/notices) -----------------------------------------------
    Msg.NOTICE_LATE: "An update on your order {order}, before you have to ask: it is running late.",
    Msg.NOTICE_STALLED: (
        "An update on your order {order}, before you have to ask: its parcel has not moved for a while."
    ),
    Msg.NOTICE_CUSTOMS: (
        "An update on your order {order}, before you have to ask: it is being held at customs."
    ),
    Msg.NOTICE_DISRUPTION: (
        "An update on your order {order}, before you have to ask: it is delayed by a disruption."
    ),
    Msg.NOTICE_NEW_ESTIMATE: "Our new estimate: {day}.",
    Msg.NOTICE_STOP_IN_CHAT: "Reply STOP if you would rather not get these updates.",
    Msg.NOTICE_STOP_BY_EMAIL: (
        "To stop these emails, reply with STOP and our team will take you off the list."
    ),
    Msg.NOTICE_STOP_BY_LINK: "To stop these emails, open {link}",
    Msg.NOTICE_EMAIL_SUBJECT: "An update on your order {order}",
    Msg.NOTICE_STOPPED: (
        "Done: you will get no more delivery updates here. You can still ask me about your orders at any "
        "time."
    ),
    Msg.NOTICE_UNSUBSCRIBED_PAGE: "Done: we will send you no more delivery update emails.",
    Msg.NOTICE_STOP_PAGE: (
        "We email you when an order of yours is delayed. Press the button to stop these emails."
    ),
    Msg.NOTICE_STOP_BUTTON: "Stop delivery update emails",
}
