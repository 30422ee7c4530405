"""The channel through which Rasa runs our code in its server (integrations/rasa_engine/engine_extension.py):
Rasa creating it runs the install hook, its blueprint serves only what a subclass adds, and the hook given
for the server's stop runs when a real Sanic server stops."""

from __future__ import annotations

import pytest

from tests.e2e.rasa_env import run_in_rasa_env

pytestmark = pytest.mark.rasa

# Runs in Rasa's environment: three extensions created as Rasa creates a channel named in credentials.yml,
# registered on a Sanic app as Rasa registers channels, and served on loopback until the server has started.
SCRIPT = """
import json
import socket

import aiohttp
from rasa.core.channels.channel import register
from rasa.core.run import _create_single_channel
from sanic import Sanic, response

from integrations.rasa_engine.engine_extension import EngineExtension

events = []


def install():
    events.append("installed")


async def stopped():
    events.append("stopped")


class Quiet(EngineExtension, name="quiet", install=install):
    pass


class Closing(EngineExtension, name="closing", install=install, after_server_stop=stopped):
    pass


class Served(EngineExtension, name="served", install=install):
    def blueprint(self, on_new_message):
        served = super().blueprint(on_new_message)

        @served.route("/", methods=["GET"])
        async def hello(_request):
            return response.text("served")

        return served


channels = [_create_single_channel(f"__main__.{cls.__name__}", None) for cls in (Quiet, Closing, Served)]
created = {
    "types": [type(channel).__name__ for channel in channels],
    "names": [channel.name() for channel in channels],
    "events": list(events),
}
app = Sanic("shopdesk_engine_extension_test", configure_logging=False)
register(channels, app, "/webhooks/")
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
served = {}


@app.listener("after_server_start")
async def ask_then_stop(app, _loop):
    async with aiohttp.ClientSession() as session:
        for name in ("quiet", "closing", "served"):
            async with session.get(f"http://127.0.0.1:{port}/webhooks/{name}/") as answer:
                served[name] = [answer.status, await answer.text() if answer.status == 200 else None]
    events.append("answered")
    app.stop()


app.run(sock=sock, access_log=False, register_sys_signals=False)
print(json.dumps({
    "created": created,
    "blueprints": sorted(app.blueprints),
    "served": served,
    "events": events,
}))
"""


def test_rasa_creating_an_extension_installs_it_and_its_stop_hook_runs_when_the_server_stops() -> None:
    report = run_in_rasa_env(SCRIPT)
    assert report["created"] == {
        "types": ["Quiet", "Closing", "Served"],
        "names": ["quiet", "closing", "served"],
        "events": ["installed", "installed", "installed"],
    }
    assert report["blueprints"] == ["shopdesk_closing", "shopdesk_quiet", "shopdesk_served"]
    # only the route a subclass adds is served, under /webhooks/<name>/
    assert report["served"] == {"quiet": [404, None], "closing": [404, None], "served": [200, "served"]}
    # the one stop hook given runs once, after the server has answered and stopped
    assert report["events"] == ["installed", "installed", "installed", "answered", "stopped"]
