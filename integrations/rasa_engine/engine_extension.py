"""Our code installed into Rasa's server process, through the one extension point Rasa 3.6 has: a channel.

Rasa runs code of ours inside its server only as an input channel. For every class ``credentials.yml``
names, it imports the class, creates it with ``from_credentials`` when it reads its channels (before it
opens the tracker store and loads the model) and mounts the channel's ``blueprint`` at
``/webhooks/<name>/``. The modules here are not chat channels: each replaces or wraps some of Rasa's
internals in an ``install()`` that must run in the server process, and most serve no route.

``EngineExtension`` is that channel, written once. A subclass gives its name (the channel's name in Rasa,
the last part of its route) and its install hook, and may give a coroutine to run after the server stops:

    class NluReport(EngineExtension, name="nlu_report", install=install):
        '''Not a chat channel: adds the NLU's reading to each REST turn's replies when Rasa loads it.'''

    class ActionCalls(
        EngineExtension, name="action_calls", install=install, after_server_stop=close_sessions
    ): ...

Rasa creating the channel runs ``install``; the blueprint, named ``shopdesk_<name>``, is empty but for the
``after_server_stop`` listener, when there is one. A subclass that also serves a route adds it to
``super().blueprint(...)`` (``timing.py``). Each ``install`` guards itself to run once per process. Runs in
Rasa's environment: imports nothing of ``bot/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint

Install = Callable[[], None]
StopHook = Callable[[], Awaitable[None]]


class EngineExtension(InputChannel):  # type: ignore[misc]
    """Not a chat channel: runs a module's ``install`` when Rasa loads its channels (see the module)."""

    _name: ClassVar[str]
    _install: ClassVar[staticmethod[[], None]]
    _after_server_stop: ClassVar[staticmethod[[], Awaitable[None]] | None]

    def __init_subclass__(
        cls, *, name: str, install: Install, after_server_stop: StopHook | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls._name = name
        # staticmethod: a plain function kept on a class would be bound to the channel when called on it
        cls._install = staticmethod(install)
        cls._after_server_stop = None if after_server_stop is None else staticmethod(after_server_stop)

    @classmethod
    def name(cls) -> str:
        return cls._name

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> Self:
        cls._install()
        return cls()

    def blueprint(self, on_new_message: Callable[..., Awaitable[Any]]) -> Blueprint:
        extension = Blueprint(f"shopdesk_{self.name()}", type(self).__module__)
        stop = self._after_server_stop
        if stop is not None:

            @extension.listener("after_server_stop")  # type: ignore[untyped-decorator]
            async def after_server_stop(_app: Any, _loop: Any) -> None:
                await stop()

        return extension
