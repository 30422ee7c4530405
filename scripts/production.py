"""The production profile's building blocks, for ``scripts/production.sh``:

    python scripts/production.py check    # refuse unsafe settings (the gateway's and the action server's)
    python scripts/production.py env      # shell exports Rasa's endpoints.production.yml reads
    python scripts/production.py write    # HAProxy's and supervisord's configuration, in the run folder
    python scripts/production.py ready S  # wait up to S seconds until every replica is up behind HAProxy
    python scripts/production.py down S rasa/rasa-0 ...  # wait up to S seconds until HAProxy took them out

Layout on one machine (``SHOPDESK_REPLICAS`` = N, default 2), all on loopback except the proxy's front:

    HAProxy :SHOPDESK_PROXY_PORT (8080)  -> gateway-0..N-1  :PORT_BASE+0..   (HTTP and WebSocket)
    HAProxy :SHOPDESK_RASA_PORT (5005)   -> rasa-0..N-1     :PORT_BASE+100.. (gateways -> Rasa)
    HAProxy :SHOPDESK_ACTIONS_PORT (5055)-> actions-0..N-1  :PORT_BASE+200.. (Rasa -> actions)

No replica is sticky: conversations, trackers, locks and the live hub live in PostgreSQL and Redis, so any
replica can serve any turn. Scripts may read ``SHOPDESK_*`` variables themselves (tests/unit/test_boundaries).
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Layout:
    replicas: int
    proxy_bind: str
    proxy_port: int
    rasa_port: int
    actions_port: int
    port_base: int
    run_dir: Path

    @classmethod
    def from_environment(cls) -> Layout:
        env = os.environ
        return cls(
            replicas=int(env.get("SHOPDESK_REPLICAS", "2")),
            proxy_bind=env.get("SHOPDESK_PROXY_BIND", "127.0.0.1"),
            proxy_port=int(env.get("SHOPDESK_PROXY_PORT", "8080")),
            rasa_port=int(env.get("SHOPDESK_RASA_PORT", "5005")),
            actions_port=int(env.get("SHOPDESK_ACTIONS_PORT", "5055")),
            port_base=int(env.get("SHOPDESK_PORT_BASE", "9100")),
            run_dir=Path(env.get("SHOPDESK_RUN_DIR", str(ROOT / "var" / "production"))),
        )

    def ports(self, kind: str) -> list[int]:
        offset = {"gateway": 0, "rasa": 100, "actions": 200}[kind]
        return [self.port_base + offset + i for i in range(self.replicas)]

    @property
    def stats_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"


# ---- HAProxy ---------------------------------------------------------------------------------------------


def _servers(layout: Layout, kind: str, health: str) -> str:
    lines = [
        f"  option httpchk GET {health}",
        "  http-check expect status 200",
        # Retries: a request whose connection failed never reached a replica, whatever its method; one
        # that reached a replica and got no answer is sent again only if it is a GET (a shopper's turn
        # may already have run, a tracker read has not changed anything).
        "  retry-on conn-failure empty-response",
        "  http-request disable-l7-retry unless METH_GET",
    ]
    lines += [f"  server {kind}-{i} 127.0.0.1:{port} check" for i, port in enumerate(layout.ports(kind))]
    return "\n".join(lines)


def haproxy_config(layout: Layout) -> str:
    """Round robin everywhere. A replica that refuses a connection leaves the rotation at once (and the
    request goes to another one); one that stops answering its health check leaves within a few seconds;
    it comes back after two good checks. Each request to a replica gets its own connection, so none is
    sent on an idle connection the replica is closing. See ``_servers`` for what is retried."""
    return f"""# Written by scripts/production.py; edit the script, not this file.
global
  log stdout format raw local0
  maxconn 4096
  stats socket {layout.stats_socket} mode 600 level admin

defaults
  mode http
  log global
  option dontlognull
  option http-server-close
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # a busy replica (a loaded machine, a burst of turns) may take seconds to answer its check: that is
  # not a dead one, which refuses the connection at once
  timeout check 5s
  # an open WebSocket (widget, agent console) may stay quiet between the gateway's pings
  timeout tunnel 1h
  timeout http-request 10s
  retries 3
  option redispatch 1
  default-server inter 1s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down

frontend shop
  bind {layout.proxy_bind}:{layout.proxy_port}
  option forwardfor
  log-format "front %ci %HM %HU %ST %s %Tt %tsc %rc"
  default_backend gateways

backend gateways
  balance roundrobin
{_servers(layout, "gateway", "/health/live")}

# The gateways reach Rasa here. The log names the conversation each turn is for, the replica that
# served it, the status, the termination state and the retries (the conversation id is an opaque UUID,
# no personal data).
listen rasa
  bind 127.0.0.1:{layout.rasa_port}
  balance roundrobin
  option http-buffer-request
  http-request set-var(txn.sender) req.body,json_query('$.sender') if {{ path /webhooks/rest/webhook }}
  log-format "rasa %[var(txn.sender)] %HM %HP %s %ST %tsc %rc %Tt"
{_servers(layout, "rasa", "/")}

# Rasa reaches the action servers here (endpoints.production.yml).
listen actions
  bind 127.0.0.1:{layout.actions_port}
  balance roundrobin
  option dontlog-normal
{_servers(layout, "actions", "/health")}
"""


# ---- supervisord -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commands:
    python: str  # the application environment's interpreter
    rasa: str  # the Rasa engine's ``rasa`` executable
    model: str


def _program(name: str, command: str, logs: Path, stop_seconds: int = 20) -> str:
    return f"""[program:{name}]
command={command}
directory={ROOT}
autostart=true
autorestart=true
startsecs=3
startretries=5
stopsignal=TERM
stopwaitsecs={stop_seconds}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={logs / f"{name}.log"}
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=3
"""


def supervisor_config(layout: Layout, commands: Commands) -> str:
    logs = layout.run_dir / "logs"
    sections = [
        f"""; Written by scripts/production.py; edit the script, not this file.
[supervisord]
nodaemon=true
logfile={logs / "supervisord.log"}
pidfile={layout.run_dir / "supervisord.pid"}
childlogdir={logs}

[unix_http_server]
file={layout.run_dir / "supervisor.sock"}
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{layout.run_dir / "supervisor.sock"}
""",
        _program("haproxy", f"haproxy -W -db -f {layout.run_dir / 'haproxy.cfg'}", logs),
    ]
    for i, port in enumerate(layout.ports("actions")):
        command = f"{commands.python} -m actions.server --host 127.0.0.1 --port {port}"
        sections.append(_program(f"actions-{i}", command, logs))
    for i, port in enumerate(layout.ports("rasa")):
        # with SANIC_WORKERS > 1 (inherited), the replica's workers sum their metrics in a directory of its
        # own, emptied whenever supervisord starts it (scripts/rasa_metrics_dir.sh)
        metrics_dir = layout.run_dir / "rasa-metrics" / f"rasa-{i}"
        command = (
            f"{ROOT / 'scripts' / 'rasa_metrics_dir.sh'} {metrics_dir}"
            f" {commands.rasa} run --enable-api --auth-token %(ENV_SHOPDESK_RASA_TOKEN)s"
            f" -i 127.0.0.1 -p {port} -m {commands.model}"
            " --endpoints endpoints.production.yml --credentials credentials.yml"
        )
        # a turn under way finishes before Rasa stops (its tracker is saved under the Redis lock)
        sections.append(_program(f"rasa-{i}", command, logs, stop_seconds=40))
    for i, port in enumerate(layout.ports("gateway")):
        command = (
            # one process per replica (uvicorn would fork WEB_CONCURRENCY workers when set): each replica's
            # metrics are its own, scraped at its own port
            f"{commands.python} -m uvicorn integrations.gateway.app:create_app --factory --workers 1"
            " --host 127.0.0.1"
            f" --port {port} --proxy-headers --forwarded-allow-ips 127.0.0.1 --no-access-log"
        )
        sections.append(_program(f"gateway-{i}", command, logs))
    return "\n".join(sections)


# ---- Rasa's endpoints ------------------------------------------------------------------------------------


def rasa_environment(
    layout: Layout, database_url: str, redis_url: str, tracker_url: str | None
) -> dict[str, str]:
    """The variables ``endpoints.production.yml`` reads. Rasa's SQL tracker store takes a full URL (its own
    environment has psycopg2, so the driver suffix is dropped); its Redis lock store takes host, port,
    database and password separately."""
    tracker = urlsplit(tracker_url or database_url)
    scheme = tracker.scheme.split("+")[0]
    if scheme not in ("postgresql", "postgres"):
        raise SystemExit(
            "SHOPDESK_RASA_TRACKER_URL (or SHOPDESK_DATABASE_URL) must be a postgresql:// URL in production"
        )
    redis = urlsplit(redis_url)
    if redis.scheme not in ("redis", "rediss") or not redis.hostname:
        raise SystemExit("SHOPDESK_REDIS_URL must look like redis://[:PASSWORD@]HOST:6379/0")
    return {
        "SHOPDESK_RASA_TRACKER_URL": tracker._replace(scheme="postgresql").geturl(),
        "SHOPDESK_RASA_REDIS_HOST": redis.hostname,
        "SHOPDESK_RASA_REDIS_PORT": str(redis.port or 6379),
        "SHOPDESK_RASA_REDIS_DB": redis.path.strip("/") or "0",
        "SHOPDESK_RASA_REDIS_PASSWORD": redis.password or "",
        "SHOPDESK_ACTION_ENDPOINT": f"http://127.0.0.1:{layout.actions_port}/webhook",
        "SHOPDESK_RASA_URL": f"http://127.0.0.1:{layout.rasa_port}",
        "SHOPDESK_ACTION_SERVER_URL": f"http://127.0.0.1:{layout.actions_port}",
    }


# ---- readiness -------------------------------------------------------------------------------------------


def server_states(stats_socket: Path) -> dict[str, str]:
    """``backend/server`` -> HAProxy's status (UP, DOWN, ...), from the stats socket."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(5)
        conn.connect(str(stats_socket))
        conn.sendall(b"show stat\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    states = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("svname") not in (None, "", "FRONTEND", "BACKEND"):
            states[f"{row['pxname']}/{row['svname']}"] = row.get("status", "")
    return states


def wait_ready(layout: Layout, seconds: float) -> list[str]:
    """Wait until every replica behind the proxy is UP; returns the ones that never were."""
    deadline = time.monotonic() + seconds
    expected = [
        f"{group}/{kind}-{i}"
        for group, kind in (("gateways", "gateway"), ("rasa", "rasa"), ("actions", "actions"))
        for i in range(layout.replicas)
    ]
    down = expected
    while time.monotonic() < deadline:
        try:
            states = server_states(layout.stats_socket)
        except OSError:
            states = {}
        down = [name for name in expected if not states.get(name, "").startswith("UP")]
        if not down:
            return []
        time.sleep(1)
    return down


def wait_down(layout: Layout, names: list[str], seconds: float) -> list[str]:
    """Wait until HAProxy has taken each of ``names`` (``rasa/rasa-0``) out of the rotation; returns the
    ones still in it."""
    deadline = time.monotonic() + seconds
    up = names
    while time.monotonic() < deadline:
        states = server_states(layout.stats_socket)
        up = [name for name in up if states.get(name, "").startswith("UP")]
        if not up:
            return []
        time.sleep(0.2)
    return up


def main(argv: list[str]) -> int:
    layout = Layout.from_environment()
    command = argv[0] if argv else ""
    if command == "check":
        from bot.settings import check_production
        from integrations.gateway.config import GatewaySettings

        settings = GatewaySettings()
        problems = check_production(settings, settings.cors_origins)
        if not os.environ.get("SHOPDESK_REDIS_URL"):
            problems.append(
                "SHOPDESK_REDIS_URL is not set: Rasa's lock store and the gateways share state there; "
                "set it to redis://HOST:6379/0"
            )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1 if problems else 0
    if command == "env":
        exports = rasa_environment(
            layout,
            os.environ["SHOPDESK_DATABASE_URL"],
            os.environ["SHOPDESK_REDIS_URL"],
            os.environ.get("SHOPDESK_RASA_TRACKER_URL"),
        )
        for name, value in exports.items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if command == "write":
        commands = Commands(
            python=sys.executable, rasa=os.environ["RASA_BIN"], model=os.environ["RASA_MODEL"]
        )
        (layout.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        (layout.run_dir / "haproxy.cfg").write_text(haproxy_config(layout))
        (layout.run_dir / "supervisord.conf").write_text(supervisor_config(layout, commands))
        return 0
    if command == "ready":
        down = wait_ready(layout, float(argv[1]) if len(argv) > 1 else 300)
        if down:
            print(f"not up behind the proxy: {', '.join(down)}", file=sys.stderr)
            return 1
        return 0
    if command == "down":
        still = wait_down(layout, argv[2:], float(argv[1]))
        if still:
            print(f"still in the rotation: {', '.join(still)}", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
