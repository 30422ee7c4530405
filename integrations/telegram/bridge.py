"""The Telegram bridge: Telegram chats in, the gateway's ``ChatService`` in the middle, Telegram messages out.

It runs inside the gateway process (``integrations.gateway.routes.telegram`` starts it in the lifespan),
because live delivery goes through the in-process ``Hub``. One private Telegram chat is one open
conversation (``Channel.TELEGRAM``, ``channel_user_id`` = the chat id); a new one is opened after the old
one is closed. Shopper messages go through ``ChatService.shopper_says`` exactly like the widget's.

Who delivers what, so that nothing arrives twice and nothing is missed:

- **the turn** (a shopper's message or button press handled here) delivers the replies that
  ``shopper_says`` returns: the assistant's answers and the notices its payloads led to (the handoff's
  queue notice), or the "assistant unavailable" notice;
- **the hub follower** delivers every other visible, non-shopper message of a Telegram conversation: an
  agent's answers, system notices of the handoff, anything ``ChatService.post``/``say`` stores.

Each message is *claimed* before it is sent, in the database (``bot.desk.conversations.deliveries``): the
first claim of a message id wins, in this process or in any other gateway replica, so a message reaches
the chat once however many replicas hear it on a shared (Redis) hub. A bounded set of the ids known to be
claimed spares the database a second question about the same message.

In one process both paths go through one lock per chat. A turn holds its chat's lock from before
``shopper_says`` until its replies are claimed and sent; the hub publishes those replies while the turn
runs, so the follower's delivery of them waits for the lock, then finds them claimed and skips them. A
message stored during the turn that is not one of its replies (say a notice a hook posted without returning
it) is not claimed by the turn, so the follower sends it, after the turn's replies. Hub deliveries for a
chat queue on that lock in publication order (``asyncio.Lock`` wakes waiters first in, first out).

Across replicas (``SHOPDESK_REDIS_URL``) that lock is not shared, and another replica's follower may hear
a turn's replies and claim the first of them before the turn is over. The turn then claims its replies in
order and stops at the first one claimed elsewhere, leaving the rest to the followers, which have heard
them all (they were published before the turn ended). Claiming and sending to a chat also happen under
a Redis lock per chat (``send_lock``), and every follower takes a chat's messages in publication order,
so a message claimed anywhere has been sent before the next one is claimed: the chat gets them in order
whichever replicas send them. That lock only orders: when Redis cannot be reached the sends go on.

If the hub drops the follower as too slow (or the Redis connection breaks), it resubscribes and reads what
it missed from the database; the claims stop that from repeating anything, whichever replica sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, TypeAlias

from starlette.concurrency import run_in_threadpool
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.desk.conversations.deliveries import DeliveryClaims
from bot.desk.conversations.model import (
    Author,
    Button,
    Channel,
    Conversation,
    ConversationClosed,
    ConversationNotFound,
    Message,
)
from bot.desk.conversations.store import OPEN_STATUSES
from bot.language.typed_text import cleaned
from bot.language.wording import Msg, say
from integrations.gateway.chat import ChatService
from integrations.gateway.hub import Hub
from integrations.gateway.metrics import Metrics
from integrations.gateway.replicas import KeyedLock, no_shared_lock
from integrations.notices.chats import already_delivered
from integrations.telegram.config import TelegramSettings
from integrations.telegram.sending import Sender
from integrations.telegram.text import split_message

log = logging.getLogger(__name__)

TelegramApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
Context: TypeAlias = ContextTypes.DEFAULT_TYPE

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
HELP = say(Msg.TELEGRAM_HELP)
UNSUPPORTED = say(Msg.TELEGRAM_UNSUPPORTED)
STALE_BUTTON = say(Msg.TELEGRAM_STALE_BUTTON)
SOMETHING_WENT_WRONG = say(Msg.SOMETHING_WENT_WRONG)
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about five seconds per chat action
CLAIMED_IDS = 4096  # message ids remembered as claimed (here or by another replica)
CHAT_IDS = 10_000  # conversation id -> chat id entries cached for the hub follower
CATCH_UP_CONVERSATIONS = 1000
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def callback_data(message: Message, index: int) -> str:
    """A button's ``callback_data``: where to find it, never the payload itself. Telegram allows only 64
    bytes, and a payload looked up in the store cannot be forged by a client."""
    return f"{message.id}:{index}"


def keyboard(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    rows = [
        [InlineKeyboardButton(button.title, callback_data=callback_data(message, index))]
        for index, button in enumerate(message.buttons)
    ]
    return InlineKeyboardMarkup(rows)


class _PrivacyFilter(logging.Filter):
    """Keeps the bot token and message text out of third-party log lines: the token (part of every Bot
    API URL that httpx logs) is masked, and python-telegram-bot's debug lines (request parameters,
    message text included) are dropped."""

    def __init__(self, token: str, *, drop_debug: bool) -> None:
        super().__init__()
        self._token = token
        self._drop_debug = drop_debug

    def filter(self, record: logging.LogRecord) -> bool:
        if self._drop_debug and record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, "<token>"), None
        return True


GUARDED_LOGGERS = {  # logger name -> also drop its debug lines
    "httpx": False,
    "telegram.Bot": True,
    "telegram.ext.ExtBot": True,
    "telegram.ext.Updater": False,
    "telegram.ext.Application": False,
    "telegram.request.HTTPXRequest": True,
}


class TelegramBridge:
    def __init__(
        self,
        chat: ChatService,
        hub: Hub,
        metrics: Metrics,
        settings: TelegramSettings,
        deliveries: DeliveryClaims,
        send_lock: KeyedLock = no_shared_lock,
    ) -> None:
        self.settings = settings.checked()
        self.chat = chat
        self.hub = hub
        self.metrics = metrics
        self.deliveries = deliveries  # shared by every replica: who sends each message
        self._send_lock = send_lock  # one chat's claims and sends across replicas, in order
        self.sender = Sender(
            metrics, attempts=settings.send_attempts, max_retry_after=settings.max_retry_after
        )
        self.application = self._build()
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._claimed: OrderedDict[int, None] = OrderedDict()
        self._chat_ids: OrderedDict[str, int | None] = OrderedDict()
        self._last_seen_id = 0
        self._follower: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._log_filters: list[tuple[logging.Logger, logging.Filter]] = []

    @property
    def webhook(self) -> bool:
        return self.settings.effective_mode == "webhook"

    @property
    def webhook_secret(self) -> str:
        secret = self.settings.webhook_secret
        return secret.get_secret_value() if secret else ""

    # -- lifecycle -------------------------------------------------------------------------------------

    def _build(self) -> TelegramApp:
        token = self.settings.token.get_secret_value() if self.settings.token else ""
        builder = (
            Application.builder()
            .token(token)
            .base_url(self.settings.api_base_url)
            .base_file_url(self.settings.api_file_base_url)
            .job_queue(None)
            # Updates of different chats are handled side by side; one chat's are ordered by its lock.
            .concurrent_updates(True)
        )
        if self.webhook:
            builder = builder.updater(None)  # the gateway's route feeds application.update_queue
        application: TelegramApp = builder.build()
        application.add_handler(CommandHandler("start", self._on_start, filters=PRIVATE_MESSAGE))
        application.add_handler(CommandHandler("help", self._on_help, filters=PRIVATE_MESSAGE))
        # /stop is the word "stop": it ends delay notices in a chat that received one (integrations/notices)
        application.add_handler(CommandHandler("stop", self._on_text, filters=PRIVATE_MESSAGE))
        application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, self._on_help))
        application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, self._on_text))
        application.add_handler(
            MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, self._on_unsupported)
        )
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        # Opt in to PTB's coming timedelta durations (RetryAfter.retry_after) instead of a deprecation
        # warning on every flood wait; sending.retry_after_seconds reads either form.
        os.environ.setdefault("PTB_TIMEDELTA", "1")
        self._guard_logs()
        await self.application.initialize()  # getMe: a wrong token or base URL fails here, loudly
        if self.application.updater is not None:
            await self.application.updater.start_polling(
                timeout=self.settings.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        else:
            url = self.settings.webhook_url
            assert url is not None  # checked()
            await self.sender.call(
                "setWebhook",
                lambda: self.application.bot.set_webhook(
                    url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
                ),
            )
        await self.application.start()
        # What the follower may have to catch up on starts here: older messages were some other run's.
        self._last_seen_id = await run_in_threadpool(self.chat.store.last_message_id)
        self._follower = asyncio.create_task(self._follow_hub(), name="telegram-hub-follower")
        log.info("Telegram bridge started (%s)", self.settings.effective_mode)

    async def stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None
        if self._deliveries:
            _, pending = await asyncio.wait(self._deliveries, timeout=5)
            for task in pending:
                task.cancel()
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        # The webhook stays registered: Telegram keeps updates for the next start instead of dropping them.
        log.info("Telegram bridge stopped")
        for logger, log_filter in self._log_filters:
            logger.removeFilter(log_filter)
        self._log_filters.clear()

    def _guard_logs(self) -> None:
        token = self.settings.token.get_secret_value() if self.settings.token else ""
        for name, drop_debug in GUARDED_LOGGERS.items():
            logger = logging.getLogger(name)
            log_filter = _PrivacyFilter(token, drop_debug=drop_debug)
            logger.addFilter(log_filter)
            self._log_filters.append((logger, log_filter))

    async def push(self, data: dict[str, Any]) -> None:
        """One update posted to the webhook, into the application's queue (PTB's custom-webhook style)."""
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    # -- updates ---------------------------------------------------------------------------------------

    async def _on_start(self, update: Update, context: Context) -> None:
        if update.effective_chat is not None:
            await self._send_text(update.effective_chat.id, f"{self.settings.greeting}\n\n{HELP}")

    async def _on_help(self, update: Update, context: Context) -> None:
        if update.effective_chat is not None:
            await self._send_text(update.effective_chat.id, HELP)

    async def _on_unsupported(self, update: Update, context: Context) -> None:
        if update.effective_chat is not None:
            await self._send_text(update.effective_chat.id, UNSUPPORTED)

    async def _on_text(self, update: Update, context: Context) -> None:
        message = update.message
        text = cleaned(message.text) if message is not None and message.text is not None else ""
        if message is None or not text:  # nothing but control characters is not a message
            return
        # Telegram message ids are unique within a chat: a redelivered update is stored once.
        await self._turn(message.chat_id, text, client_message_id=f"tg-{message.message_id}")

    async def _on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        shown = query.message  # the bot's message that carried the keyboard
        button = await self._pressed(shown.chat.id, query.data) if shown is not None else None
        # Answer at once so the button stops spinning, whatever happens next.
        await self.sender.call(
            "answerCallbackQuery", lambda: query.answer(text=None if button else STALE_BUTTON)
        )
        if shown is None or button is None:
            return
        chat_id, shown_id = shown.chat.id, shown.message_id
        with contextlib.suppress(TelegramError):  # the choice is made: take the buttons away
            await self.sender.call(
                "editMessageReplyMarkup",
                lambda: self.application.bot.edit_message_reply_markup(chat_id, shown_id, reply_markup=None),
            )
        await self._turn(chat_id, button.title, payload=button.payload, client_message_id=f"tg-cb-{query.id}")

    async def _pressed(self, chat_id: int, data: str | object | None) -> Button | None:
        """The button behind ``callback_data``, if it belongs to this chat's open conversation."""
        if not isinstance(data, str):
            return None
        message_id, _, index = data.partition(":")
        if not (message_id.isdigit() and index.isdigit()):
            return None
        conversation = await run_in_threadpool(self.chat.store.find_open, Channel.TELEGRAM, str(chat_id))
        if conversation is None:
            return None
        found = await run_in_threadpool(
            self.chat.store.history, conversation.id, int(message_id) - 1, limit=1
        )
        if not found or found[0].id != int(message_id) or int(index) >= len(found[0].buttons):
            return None
        return found[0].buttons[int(index)]

    async def _on_error(self, update: object, context: Context) -> None:
        """The one error handler: log the error's type (never the update's content), count it, and tell the
        shopper when there is one to tell."""
        self.metrics.errors.labels(kind="telegram_update").inc()
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        log.error(
            "Telegram update %s failed: %s",
            update_id,
            type(error).__name__,
            exc_info=error if not isinstance(error, TelegramError) else None,
        )
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(Exception):
                await self.application.bot.send_message(update.effective_chat.id, SOMETHING_WENT_WRONG)

    # -- one shopper turn ------------------------------------------------------------------------------

    def _lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._chat_locks[chat_id] = lock
        return lock

    async def _conversation(self, chat_id: int) -> Conversation:
        """This chat's open conversation, or a new one (call with the chat's lock held)."""
        store = self.chat.store
        conversation = await run_in_threadpool(store.find_open, Channel.TELEGRAM, str(chat_id))
        if conversation is None:
            started = await run_in_threadpool(store.create, Channel.TELEGRAM, str(chat_id))
            conversation = started.conversation
            log.info("conversation %s started on Telegram", conversation.id)
        self._remember_chat(conversation.id, chat_id)
        return conversation

    async def _turn(
        self, chat_id: int, text: str, *, payload: str | None = None, client_message_id: str
    ) -> None:
        async with self._lock(chat_id):
            conversation = await self._conversation(chat_id)
            async with self._typing(chat_id):
                try:
                    turn = await self.chat.shopper_says(
                        conversation,
                        text,
                        client_message_id=client_message_id,
                        payload=payload,
                        metadata={"client": f"telegram:{chat_id}"},
                    )
                except ConversationClosed:  # closed by an agent a moment ago: the shopper starts anew
                    conversation = await self._conversation(chat_id)
                    turn = await self.chat.shopper_says(
                        conversation,
                        text,
                        client_message_id=client_message_id,
                        payload=payload,
                        metadata={"client": f"telegram:{chat_id}"},
                    )
            # A redelivered update gets the replies its first delivery stored; only those nobody has
            # sent (its replica died mid-turn) are sent now.
            if turn.duplicate:
                log.info("conversation %s: a redelivered Telegram update, not stored again", conversation.id)
            async with self._send_lock(str(chat_id)):
                fresh = await self._claim_replies([r for r in turn.replies if not already_delivered(r)])
                await self._deliver(chat_id, fresh)

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """Shows "typing…" until the block ends; best effort (no retries, failures only debug-logged)."""

        async def keep_typing() -> None:
            while True:
                try:
                    await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
                except TelegramError as exc:
                    log.debug("sendChatAction failed: %s", type(exc).__name__)
                await asyncio.sleep(TYPING_EVERY)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- delivery --------------------------------------------------------------------------------------

    def _known_claimed(self, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            self._claimed[message_id] = None
            self._claimed.move_to_end(message_id)
        while len(self._claimed) > CLAIMED_IDS:
            self._claimed.popitem(last=False)

    async def _claim_replies(self, replies: Sequence[Message]) -> list[Message]:
        """A turn's replies this turn is to send: in order, up to the first that someone (another
        replica's follower) has claimed; the rest are the followers'. If the claim itself fails (the
        database), the turn sends them all rather than leave the shopper's answer unsent (counted as
        ``telegram_claim``): the followers' claims meet the same database and do not send them too."""
        unclaimed: list[Message] = []
        for message in replies:
            if message.id in self._claimed:
                break
            unclaimed.append(message)
        if not unclaimed:
            return []
        ids = [m.id for m in unclaimed]
        try:
            claimed = await run_in_threadpool(self.deliveries.claim_in_order, ids)
        except Exception:
            self.metrics.errors.labels(kind="telegram_claim").inc()
            log.exception("claiming a turn's replies in conversation %s failed", unclaimed[0].conversation_id)
            return unclaimed
        self._known_claimed(ids[: len(claimed) + 1])  # the claimed ones and the one claimed elsewhere
        return unclaimed[: len(claimed)]

    async def _claim(self, message: Message) -> bool:
        """Whether this replica is the first to claim ``message`` (a message heard on the hub)."""
        if message.id in self._claimed:
            return False
        claimed = await run_in_threadpool(self.deliveries.claim, message.id)
        self._known_claimed([message.id])
        return claimed

    async def _deliver(self, chat_id: int, messages: Sequence[Message]) -> None:
        for message in messages:
            if message.internal or not (message.text or message.buttons):
                continue
            chunks = split_message(message.text) or ["…"]
            markup = keyboard(message)
            for number, chunk in enumerate(chunks, start=1):
                last = number == len(chunks)
                try:
                    await self._send_text(chat_id, chunk, markup if last else None)
                except TelegramError:
                    break  # logged and counted by the sender; the rest of this message would be garbled

    async def _send_text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        await self.sender.call(
            "sendMessage", lambda: self.application.bot.send_message(chat_id, text, reply_markup=markup)
        )

    # -- the hub follower ------------------------------------------------------------------------------

    def _remember_chat(self, conversation_id: str, chat_id: int | None) -> None:
        self._chat_ids[conversation_id] = chat_id
        self._chat_ids.move_to_end(conversation_id)
        while len(self._chat_ids) > CHAT_IDS:
            self._chat_ids.popitem(last=False)

    async def _chat_of(self, conversation_id: str) -> int | None:
        """The Telegram chat of a conversation, None for other channels (cached either way)."""
        if conversation_id in self._chat_ids:
            return self._chat_ids[conversation_id]
        try:
            conversation = await run_in_threadpool(self.chat.store.get, conversation_id)
        except ConversationNotFound:
            return None
        chat_id = (
            int(conversation.channel_user_id)
            if conversation.channel is Channel.TELEGRAM and conversation.channel_user_id
            else None
        )
        self._remember_chat(conversation_id, chat_id)
        return chat_id

    async def _follow_hub(self) -> None:
        resumed = False
        while True:
            with self.hub.subscribe(None) as subscription:
                if resumed:
                    await self._catch_up()
                resumed = True
                while True:
                    event = await subscription.get()
                    if event.kind == "closed":
                        log.warning("the hub dropped the Telegram follower; resubscribing")
                        self.metrics.errors.labels(kind="telegram_hub_dropped").inc()
                        break
                    if event.message is not None:
                        await self._consider(event.message)

    async def _consider(self, message: Message) -> None:
        self._last_seen_id = max(self._last_seen_id, message.id)
        if message.author is Author.SHOPPER or message.internal or already_delivered(message):
            return  # (a delay notice was sent to the chat by the notices themselves)
        chat_id = await self._chat_of(message.conversation_id)
        if chat_id is None:
            return
        task = asyncio.create_task(self._deliver_from_hub(chat_id, message))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver_from_hub(self, chat_id: int, message: Message) -> None:
        async with self._lock(chat_id):  # waits for a turn in progress, which may claim this message
            if message.id in self._claimed:
                return
            async with self._send_lock(str(chat_id)):
                try:
                    mine = await self._claim(message)
                except Exception:  # the database: the other replicas cannot claim it either
                    self.metrics.errors.labels(kind="telegram_claim").inc()
                    log.exception("claiming message %s for Telegram failed", message.id)
                    return
                if mine:
                    await self._send_claimed(chat_id, message)

    async def _send_claimed(self, chat_id: int, message: Message) -> None:
        try:
            await self._deliver(chat_id, [message])
        except Exception:
            self.metrics.errors.labels(kind="telegram_send").inc()
            log.exception("delivering message %s to Telegram failed", message.id)

    async def _catch_up(self) -> None:
        """After being dropped by the hub: what Telegram conversations received meanwhile, from the store."""
        store = self.chat.store
        cursor = self._last_seen_id
        conversations = await run_in_threadpool(store.by_status, OPEN_STATUSES, CATCH_UP_CONVERSATIONS)
        for conversation in conversations:
            if conversation.channel is not Channel.TELEGRAM:
                continue
            missed = await run_in_threadpool(store.history, conversation.id, cursor)
            for message in missed:
                await self._consider(message)
