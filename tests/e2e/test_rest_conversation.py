"""A shopper's words -> Rasa (real trained model) -> action server -> order system -> the true answer.

Everything runs as it does in production, over HTTP on loopback: ``rasa run`` with the REST channel and
the action server, against a SQLite demo shop seeded by ``shopdesk demo seed`` and a policy index built by
``shopdesk knowledge build``.

The conversations that are only what a shopper says and what the replies must show live in
``tests/conversations/*.yml`` and are replayed through the gateway by ``shopdesk replay``
(``tests/gateway/test_replay_on_stack.py``); what needs more than the replies (the order system's rows
afterwards, the servers' logs) stays here.
"""

from __future__ import annotations

import pytest

from bot.ops.demo_data import SHOWCASE
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.rasa

CASES = {case.kind: case for case in SHOWCASE}


def test_a_return_is_started_only_after_yes_and_lands_in_the_order_system(stack: Stack) -> None:
    case = CASES["delivered_5_days_ago"]
    me = new_sender()
    stack.say(me, f"I want to return my order {case.number}")
    question = stack.say(me, case.email)
    reply = texts(question)
    if "Which item" in reply:  # several returnable items: take all of them
        all_button = next(b for m in question for b in m.get("buttons") or [] if b["title"] == "All of them")
        reply = texts(stack.say(me, all_button["payload"]))
    assert "Shall I start a return" in reply
    assert stack.order(case.number).returns == ()

    done = texts(stack.say(me, "yes"))
    returns = stack.order(case.number).returns
    assert len(returns) == 1
    assert returns[0].rma_number in done


def test_the_servers_logs_carry_no_personal_data(stack: Stack) -> None:
    case = CASES["late"]
    me = new_sender()
    stack.say(me, f"where is order {case.number}?")
    stack.say(me, case.email)
    stack.say(me, "my postcode is " + case.postcode)
    # Rasa warns about an unknown /command, quoting it: its logging config redacts the warning.
    stack.say(me, '/no_such_intent{"email": "' + case.email + '", "phone": "+44 7700 900123"}')
    logs = "\n".join(path.read_text(errors="replace") for path in stack.logs.glob("*.log"))
    assert logs  # the servers did log
    assert case.email not in logs
    assert case.email.split("@")[0] not in logs
    assert case.postcode not in logs
    assert "7700 900123" not in logs


def test_an_order_being_packed_is_cancelled_after_yes(stack: Stack) -> None:
    case = CASES["processing"]
    me = new_sender()
    stack.say(me, f"please cancel my order {case.number}")
    question = stack.say(me, case.email)
    assert "Do you want me to cancel" in texts(question)
    assert stack.order(case.number).status.value == "processing"
    done = texts(stack.say(me, "yes"))
    assert f"Order {case.number} is now cancelled" in done
    assert stack.order(case.number).status.value == "cancelled"


def test_styled_letters_and_a_full_width_order_number_are_read_as_plain_text(stack: Stack) -> None:
    # "𝐰𝐡𝐞𝐫𝐞 𝐢𝐬 𝐦𝐲 𝐨𝐫𝐝𝐞𝐫" in mathematical bold and the order number in full-width forms, as fancy-font
    # keyboards send them: the NLU reads them after Unicode normalisation (NFKC) as plain words and digits.
    case = CASES["in_transit_on_time"]
    me = new_sender()
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in case.number)
    asked = texts(stack.say(me, f"𝐰𝐡𝐞𝐫𝐞 𝐢𝐬 𝐦𝐲 𝐨𝐫𝐝𝐞𝐫 {full_width}"))
    assert "email" in asked.lower()
    answer = texts(stack.say(me, case.email))
    assert case.number in answer
    assert "is with the carrier" in answer
