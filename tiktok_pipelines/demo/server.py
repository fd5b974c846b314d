"""Serve a WSGI app (the fake TikTok API) on a real local socket.

`serve_in_thread` is for tests and the embedded demo: a threaded stdlib server in a daemon thread,
so a slow request (the `delay` fault) never blocks the others and the process never hangs on exit.
`python -m tiktok_pipelines.demo.server --port 8765` runs the demo API in the foreground.
"""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import Clock, FileClock, FrozenClock


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # don't join handler threads on close: a test that times out on a `delay` fault must be able to
    # stop the server while that handler is still sleeping
    block_on_close = False
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # request lines would drown test output; the fake API records every request itself
        pass


@dataclass
class RunningServer:
    base_url: str
    port: int
    _server: WSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        """Stop accepting requests and close the socket (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_thread(app: WSGIApplication, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving `app` in a background thread; port 0 picks a free port."""
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    actual_port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-tiktok-{actual_port}", daemon=True
    )
    thread.start()
    return RunningServer(base_url=f"http://{host}:{actual_port}", port=actual_port, _server=server, _thread=thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the fake TikTok API over the demo account (DEMO DATA).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--videos", type=int, default=36, help="number of past videos in the demo account")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--public-videos", type=int, default=300, help="videos in the synthetic public feed (Research API)")
    parser.add_argument("--research-quota", type=int, default=1000, help="Research API requests per UTC day")
    parser.add_argument(
        "--clock-file",
        type=Path,
        default=None,
        help="share the simulated time with other demo processes via this JSON file (default: frozen at DEMO_NOW)",
    )
    args = parser.parse_args(argv)

    clock: Clock = FileClock(args.clock_file, DEMO_NOW) if args.clock_file else FrozenClock(DEMO_NOW)
    account = DemoAccount(seed=args.seed, n_videos=args.videos)
    api = FakeTikTokApi(account, clock)
    from tiktok_pipelines.demo.public_feed import PublicFeed
    from tiktok_pipelines.demo.research_api import FakeResearchApi

    FakeResearchApi.mount_on(api, PublicFeed(n_videos=args.public_videos), daily_quota=args.research_quota)
    running = serve_in_thread(api, args.host, args.port)
    print(running.base_url, flush=True)
    print(
        f"DEMO fake TikTok API for @{account.username}: {len(account.videos)} videos, Research API over "
        f"{args.public_videos} public videos ({args.research_quota} requests/day), "
        f"clock at {clock.now().isoformat()}, client_key={api.client_key}. Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
