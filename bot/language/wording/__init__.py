"""Every sentence a shopper reads from Shopdesk's code, in one catalog per language.

The code names a message (``Msg.ORDER_CANCELLED``) and passes the facts as parameters; the catalog holds
the sentence frame (``"Order {order} is now cancelled. ..."``). The facts still come from the order system
and the policy documents. The assistant's fixed replies (``utter_*``) stay in ``domain.yml``, where Rasa
reads them.

    say(Msg.ORDER_CANCELLED, order="SD-10024")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.language.wording import en
from bot.language.wording.keys import Msg

DEFAULT_LANGUAGE: Final = "en"
CATALOGS: Final[Mapping[str, Mapping[Msg, str]]] = {"en": en.MESSAGES}


def say(message: Msg, /, **params: object) -> str:
    """The message in the shop's language, its ``{parameters}`` filled in (a missing one is a KeyError)."""
    return CATALOGS[DEFAULT_LANGUAGE][message].format(**params)


__all__ = ["CATALOGS", "DEFAULT_LANGUAGE", "Msg", "say"]
