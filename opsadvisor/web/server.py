"""Run the workbench: uvicorn on 127.0.0.1 (another host only when asked for), and open a browser."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from .. import api
from ..batch.runner import INVALID
from .guard import LOCAL_HOSTS


def hosts_for(host: str) -> tuple[str, ...]:
    """The host names a browser may use to reach the server (the Host header is checked)."""
    return LOCAL_HOSTS if host in LOCAL_HOSTS else (*LOCAL_HOSTS, host)


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def check_setup(folder: Path, host: str, port: int, pack: api.RulePack) -> str:
    """What `serve --check` says: the application builds over the folder (the pack compiled, every file assessed)."""
    from .app import create_app

    listing = create_app(folder, pack, hosts_for(host)).state.bench.workspace.listing()
    invalid = sum(outcome.status == INVALID for outcome in listing.outcomes)
    return (
        f"ready to serve {len(listing.outcomes)} scenario files ({invalid} invalid) of {folder.resolve()} "
        f"on {url_of(host, port)}; rules version {pack.version}"
    )


def serve(
    folder: Path, host: str, port: int, open_browser: bool, pack: api.RulePack, say: Callable[[str], None]
) -> None:
    """Serve until interrupted; `say` prints the URL once the server listens."""
    import uvicorn

    from .app import create_app

    app = create_app(folder, pack, hosts_for(host))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            port_now = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            url = url_of(host, port_now)
            say(f"opsadvisor workbench on {url} (folder {folder.resolve()}); Ctrl-C stops it")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
