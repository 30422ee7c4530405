"""The bridge against the local fake Bot API, with the gateway's fake Rasa: what a Telegram user sees."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.desk.conversations.model import Author, Status
from bot.desk.conversations.store import ConversationStore
from integrations.gateway.chat import ChatService
from integrations.gateway.metrics import Metrics
from integrations.telegram.bridge import HELP, UNSUPPORTED
from integrations.telegram.text import MAX_MESSAGE_LENGTH, telegram_length
from tests.gateway.conftest import FakeRasa, ServedApp
from tests.telegram.conftest import CHAT_ID, open_conversation
from tests.telegram.fake_telegram import FakeTelegram

OFFER = {
    "text": "Shall I put you through to a person?",
    "buttons": [
        {"title": "Talk to a person", "payload": "/request_human"},
        {"title": "No, thanks", "payload": "/deny"},
    ],
}


def settle() -> None:
    """Long enough for a duplicate delivery, if there were one, to reach the fake."""
    time.sleep(0.5)


def test_a_text_message_goes_through_rasa_and_the_reply_comes_back_once(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa, store: ConversationStore
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "hello there"))

    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the reply")
    settle()
    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: hello there"]
    assert fake_telegram.calls_of("sendChatAction")[0].params == {"chat_id": CHAT_ID, "action": "typing"}
    conversation = open_conversation(store)
    assert fake_rasa.calls[0]["sender"] == conversation.id
    assert fake_rasa.calls[0]["metadata"]["channel"] == "telegram"
    history = store.history(conversation.id)
    assert [(m.author, m.text) for m in history] == [
        (Author.SHOPPER, "hello there"),
        (Author.BOT, "You said: hello there"),
    ]
    # the same Telegram message delivered again (a replayed update) is neither stored nor answered again
    first = store.history(conversation.id)[0]
    fake_telegram.inject(
        fake_telegram.update(
            message={
                "message_id": int(first.client_message_id.removeprefix("tg-")),  # type: ignore[union-attr]
                "date": 0,
                "chat": {"id": CHAT_ID, "type": "private"},
                "text": "hello there",
            }
        )
    )
    fake_telegram.wait_for(lambda: len(fake_telegram.calls_of("sendChatAction")) >= 2, what="the replay")
    settle()
    assert len(store.history(conversation.id)) == 2
    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: hello there"]


def test_start_and_help_explain_what_the_assistant_can_do(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "/start"))
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "/help"))

    texts = fake_telegram.wait_for(
        lambda: len(fake_telegram.sent_texts(CHAT_ID)) >= 2 and fake_telegram.sent_texts(CHAT_ID)
    )
    assert any(t.startswith("Hi!") and "where your order is" in t and HELP in t for t in texts)
    assert HELP in texts
    assert fake_rasa.calls == []  # commands never reach Rasa (which would read "/x" as an intent)


def test_a_button_press_is_answered_and_sends_its_payload_with_the_title_as_text(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa, store: ConversationStore
) -> None:
    fake_rasa.answer = lambda text: [OFFER] if text == "I need help" else [{"text": f"You said: {text}"}]
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "I need help"))
    offer = fake_telegram.wait_for(lambda: fake_telegram.sent(CHAT_ID), what="the offer")[0]
    rows = offer.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [["Talk to a person"], ["No, thanks"]]
    shown: dict[str, Any] = {
        "message_id": 1000 + len(fake_telegram.calls),
        "date": 0,
        "chat": {"id": CHAT_ID, "type": "private"},
        "text": offer.params["text"],
        "reply_markup": offer.params["reply_markup"],
    }

    press = fake_telegram.inject(fake_telegram.button_press(CHAT_ID, shown, rows[0][0]["callback_data"]))

    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 2, what="the answer to the press")
    settle()
    answered = fake_telegram.calls_of("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [press["callback_query"]["id"]]
    assert fake_rasa.calls[-1]["message"] == "/request_human"
    assert fake_telegram.sent_texts(CHAT_ID) == [OFFER["text"], "You said: /request_human"]
    edited = fake_telegram.calls_of("editMessageReplyMarkup")
    assert [c.params["message_id"] for c in edited] == [shown["message_id"]]
    shopper = [m for m in store.history(open_conversation(store).id) if m.author is Author.SHOPPER]
    assert (shopper[-1].text, shopper[-1].data) == ("Talk to a person", {"payload": "/request_human"})


def test_a_forged_or_stale_button_is_answered_without_reaching_rasa(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    shown = {"message_id": 5, "date": 0, "chat": {"id": CHAT_ID, "type": "private"}, "text": "old"}
    fake_telegram.inject(fake_telegram.button_press(CHAT_ID, shown, "999999:0"))

    fake_telegram.wait_for(lambda: fake_telegram.calls_of("answerCallbackQuery"), what="the answer")
    assert "expired" in fake_telegram.calls_of("answerCallbackQuery")[0].params["text"]
    assert fake_rasa.calls == []


def test_a_flood_wait_is_retried_and_the_message_delivered_once(
    gateway: ServedApp, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next_sends(1, retry_after=1)
    started = time.monotonic()
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "are you there?"))

    fake_telegram.wait_for(lambda: fake_telegram.sent(CHAT_ID), what="the retried reply")
    settle()
    attempts = [c for c in fake_telegram.calls_of("sendMessage", ok=None) if c.params["chat_id"] == CHAT_ID]
    assert [c.ok for c in attempts] == [False, True]
    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: are you there?"]
    assert time.monotonic() - started >= 1.0  # Telegram's retry_after was honoured


def test_a_long_reply_is_split_on_paragraphs_under_telegrams_limit(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    paragraphs = [f"Paragraph {n}: " + "returns are easy and free. " * 15 for n in range(30)]
    long_text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(long_text) > 2 * MAX_MESSAGE_LENGTH
    fake_rasa.answer = lambda text: [{"text": long_text}]
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "tell me everything about returns"))

    fake_telegram.wait_for(lambda: "Paragraph 29" in "".join(fake_telegram.sent_texts(CHAT_ID)))
    chunks = fake_telegram.sent_texts(CHAT_ID)
    assert len(chunks) >= 3
    assert all(telegram_length(c) <= MAX_MESSAGE_LENGTH for c in chunks)
    assert all(c.startswith("Paragraph ") and c.endswith("free.") for c in chunks)
    assert "\n\n".join(chunks) == long_text


def test_a_sticker_gets_a_polite_text_only_answer(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.inject(fake_telegram.user_sticker(CHAT_ID))

    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the answer")
    assert fake_telegram.sent_texts(CHAT_ID) == [UNSUPPORTED]
    assert "only read text messages" in UNSUPPORTED
    assert fake_rasa.calls == []


def test_an_agents_message_reaches_the_telegram_chat_while_handed_off(
    gateway: ServedApp,
    client: httpx.Client,
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    store: ConversationStore,
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "I want a person"))
    fake_telegram.wait_for(lambda: fake_telegram.sent(CHAT_ID), what="the bot's reply")
    conversation = open_conversation(store)

    assert client.post(f"/test/conversations/{conversation.id}/status/{Status.AGENT.value}").is_success
    said = client.post(
        f"/test/conversations/{conversation.id}/say",
        json={"author": Author.AGENT.value, "text": "Hi, I'm Sam from the shop. How can I help?"},
    )
    assert said.is_success

    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 2, what="the agent's message")
    # while a person owns the conversation the shopper's words reach the agent, not Rasa
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "my parcel is damaged"))
    fake_telegram.wait_for(lambda: len(store.history(conversation.id)) >= 4, what="the stored message")
    settle()
    assert fake_telegram.sent_texts(CHAT_ID) == [
        "You said: I want a person",
        "Hi, I'm Sam from the shop. How can I help?",
    ]
    assert [c["message"] for c in fake_rasa.calls] == ["I want a person"]


def test_a_notice_posted_during_a_turn_arrives_once_after_the_turns_replies(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    """A custom-payload hook (as the handoff uses) posts a system message inside the shopper's turn: the
    hub delivers it, the turn delivers the bot's reply, and neither is sent twice."""
    fake_rasa.answer = lambda text: [{"text": "Let me find someone."}, {"custom": {"handoff": True}}]
    chat: ChatService = gateway.app.state.chat

    async def queued_notice(conversation: Any, payload: dict[str, Any]) -> None:
        from bot.desk.conversations.model import NewMessage

        await chat.post(conversation.id, [NewMessage(Author.SYSTEM, "You're next in the queue.")])

    gateway.app.state.custom_hooks.append(queued_notice)
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "a person please"))

    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 2, what="both messages")
    settle()
    assert fake_telegram.sent_texts(CHAT_ID) == ["Let me find someone.", "You're next in the queue."]
    assert isinstance(chat.metrics, Metrics)
    assert chat.metrics.error_count("telegram_send") == 0


def test_the_webhook_is_not_found_when_the_bridge_polls(gateway: ServedApp, client: httpx.Client) -> None:
    response = client.post(
        "/telegram/webhook", json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
    )
    assert response.status_code == 404


def test_hostile_and_odd_text_from_telegram_is_cleaned_stored_and_answered_as_text(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa, store: ConversationStore
) -> None:
    """The bad input of tests/gateway/test_bad_input.py, through the Telegram channel (a lone surrogate
    aside: the fake Bot API cannot encode one)."""
    sql = "{{ 7*7 }} '; DROP TABLE conversation_messages; --"
    typed_and_kept = [
        ("order\x00 SD-10001", "order SD-10001"),
        ("charged twice on 4111 1111 1111 1111?", "charged twice on [card]?"),
        ('<script>alert("x")</script>', '<script>alert("x")</script>'),
        (sql, sql),
        ("😀🎉 مرحبا، أين طلبي؟", "😀🎉 مرحبا، أين طلبي؟"),
        ("a" * 380 + "@example.com", "a" * 380 + "@example.com"),
    ]
    for typed, _ in typed_and_kept:
        fake_telegram.inject(fake_telegram.user_message(CHAT_ID, typed))
    fake_telegram.wait_for(
        lambda: len(fake_telegram.sent_texts(CHAT_ID)) >= len(typed_and_kept), what="the replies"
    )
    conversation = open_conversation(store)
    stored = [m.text for m in store.history(conversation.id) if m.author is Author.SHOPPER]
    assert stored == [kept for _, kept in typed_and_kept]
    assert not any("4111" in call["message"] for call in fake_rasa.calls)
    # shown as text: a reply quoting markup is sent without a parse mode that would read it
    assert all(call.params.get("parse_mode") is None for call in fake_telegram.calls_of("sendMessage"))
