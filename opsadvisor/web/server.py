"""Run the workbench: uvicorn on 127.0.0.1 (another host only when asked for), and open a browser.

The server closes a connection whose request does not arrive whole in time (protocol.py). At start, the
temporary files an interrupted save left in the folder (a killed server, a full disk) are removed and named.
"""

from __future__ import annotations

import contextlib
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import api
from ..batch.runner import INVALID
from .guard import LOCAL_HOSTS

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette


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


def server_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    """How uvicorn serves the workbench: its warnings only, no Server header, the request deadline."""
    import uvicorn

    from .protocol import GuardedH11Protocol

    return uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False, http=GuardedH11Protocol)


def remove_stale_temporaries(app: Starlette) -> list[str]:
    """Remove what interrupted saves left in the workspace; what was removed, in words."""
    workspace = app.state.bench.workspace
    said = []
    for path in workspace.stale_temporaries():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            said.append(f"removed {workspace.name_of(path)}, left by a save that was interrupted")
    return said


def open_in_browser(url: str, say: Callable[[str], None]) -> None:
    """Show the workbench in the user's web browser; where none can be started (a server without a
    display, a BROWSER that fails), say so and where to point one."""
    try:
        opened = webbrowser.open(url)
    except (webbrowser.Error, OSError):
        opened = False
    if not opened:
        say(f"no web browser could be opened here: open {url} in a browser yourself")


def serve(
    folder: Path,
    host: str,
    port: int,
    open_browser: bool,
    pack: api.RulePack,
    say: Callable[[str], None],
    records: Any = None,
) -> None:
    """Serve until interrupted; `say` prints the URL once the server listens, then what was cleaned up;
    `records`: an EvidenceBook each service is assessed with (serve --records)."""
    import uvicorn

    from .app import create_app

    app = create_app(folder, pack, hosts_for(host), records)
    cleaned = remove_stale_temporaries(app)
    server = uvicorn.Server(server_config(app, host, port))

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            port_now = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            url = url_of(host, port_now)
            say(f"opsadvisor workbench on {url} (folder {folder.resolve()}); Ctrl-C stops it")
            for line in cleaned:
                say(line)
            if open_browser:
                open_in_browser(url, say)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
