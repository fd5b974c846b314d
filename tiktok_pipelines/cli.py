"""`tiktok-pipelines`: the one-time OAuth consent, the demo, the demo clock, and warehouse migrations."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from datetime import datetime


def _auth(args: argparse.Namespace) -> int:
    import os

    from tiktok_pipelines.lib.clock import SystemClock
    from tiktok_pipelines.lib.settings import load_settings
    from tiktok_pipelines.lib.tiktok.consent import ConsentError, run_consent
    from tiktok_pipelines.lib.tiktok.display import DisplayApiClient
    from tiktok_pipelines.lib.tiktok.http import TikTokHttp
    from tiktok_pipelines.lib.tiktok.oauth import DEFAULT_AUTHORIZE_URL, OAuthClient, UserTokenProvider
    from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore

    from tiktok_pipelines.lib.settings import ConfigError
    from tiktok_pipelines.lib.tiktok.errors import TikTokError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    missing = [v for v in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REDIRECT_URI") if not os.environ.get(v)]
    if missing:
        print(f"error: set {', '.join(missing)} (see .env.example)", file=sys.stderr)
        return 2
    clock = SystemClock()
    http = TikTokHttp(base_url=settings.api_base_url)
    oauth = OAuthClient(http, os.environ["TIKTOK_CLIENT_KEY"], os.environ["TIKTOK_CLIENT_SECRET"], clock)
    store = FileTokenStore(settings.token_file)

    def show(url: str) -> None:
        print("Open this URL and approve the app:\n\n  " + url + "\n", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    try:
        tokens = run_consent(
            oauth,
            store,
            os.environ["TIKTOK_REDIRECT_URI"],
            show_url=show,
            authorize_base=os.environ.get("TIKTOK_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL),
            timeout_s=args.timeout,
        )
        user = DisplayApiClient(http, UserTokenProvider(oauth, store, clock)).user_info(("open_id", "display_name"))
    except ConsentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except TikTokError as exc:
        print(f"error: tokens were saved, but reading the profile failed: {exc}", file=sys.stderr)
        return 1
    finally:
        http.close()
    print(f"Connected {user.get('display_name')!r} (open_id {tokens.open_id}). Tokens saved to {settings.token_file} (mode 600).")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tiktok_pipelines.demo.runner import print_report, run_demo

    print("Running the account pipeline on the DEMO world (simulated time):")
    print_report(run_demo())
    return 0


def _clock(args: argparse.Namespace) -> int:
    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.clock import FileClock
    from tiktok_pipelines.lib.settings import load_settings

    clock = FileClock(load_settings().demo_clock_file, default_start=DEMO_NOW)
    if args.advance_hours is not None:
        clock.advance(hours=args.advance_hours)
    elif args.set:
        clock.set(datetime.fromisoformat(args.set))
    elif args.reset:
        clock.set(DEMO_NOW)
    print(clock.now().isoformat())
    return 0


def _ddl(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tiktok_pipelines.lib.warehouse.ddl import DIALECTS, render_ddl

    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for dialect in DIALECTS:
            (out / f"{dialect}.sql").write_text(render_ddl(dialect))
        print(f"wrote {', '.join(DIALECTS)} DDL to {out}")
    else:
        print(render_ddl(args.dialect))
    return 0


def _media_add_url(args: argparse.Namespace) -> int:
    from tiktok_pipelines.lib.clock import SystemClock
    from tiktok_pipelines.lib.media.catalog import display_location, register_sources
    from tiktok_pipelines.lib.media.intake import url_source
    from tiktok_pipelines.lib.settings import load_media_settings, load_settings
    from tiktok_pipelines.lib.warehouse import Warehouse

    url = args.url.strip()
    if not url.lower().startswith(("https://", "http://")):
        print(f"not a URL: {display_location(url)!r} (https://... expected)", file=sys.stderr)
        return 2
    media = load_media_settings()
    if args.ytdlp and not media.ytdlp:
        print("the yt-dlp adapter is off: set TIKTOK_MEDIA_YTDLP=1 to enable it (outside TikTok's terms of service)",
              file=sys.stderr)
        return 2
    ref = url_source(url, video_id=args.video_id, caption=args.caption, ytdlp=args.ytdlp)
    wh = Warehouse(load_settings().warehouse_url)
    wh.ensure_schema()
    with wh.begin() as conn:
        register_sources(conn, [ref], SystemClock().now())
    print(f"queued {display_location(url)} as video {ref.video_id}; the media_intake_sensor launches its run")
    return 0


def _db(args: argparse.Namespace) -> int:
    from tiktok_pipelines.lib.settings import ConfigError, load_settings
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.migrate import SchemaVersionError, current_revision, head_revision

    try:
        wh = Warehouse(load_settings().warehouse_url)
        if args.db_command == "upgrade":
            before = current_revision(wh.engine)
            outcome = wh.ensure_schema()
            print(f"warehouse schema {outcome}: {before or 'none'} -> {current_revision(wh.engine)} ({wh.dialect})")
        else:
            current, head = current_revision(wh.engine), head_revision()
            state = "up to date" if current == head else "behind: run `tiktok-pipelines db upgrade`"
            print(f"warehouse schema at {current or 'none'}, head {head} ({state})")
    except (ConfigError, SchemaVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tiktok-pipelines", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("auth", help="connect a TikTok account once (OAuth consent with a local callback)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the callback")
    p.set_defaults(func=_auth)
    p = sub.add_parser("demo", help="run the account pipeline end to end on the demo world")
    p.set_defaults(func=_demo)
    p = sub.add_parser("clock", help="show or move the demo world's simulated clock")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--advance-hours", type=float)
    g.add_argument("--set", help="ISO timestamp")
    g.add_argument("--reset", action="store_true")
    p.set_defaults(func=_clock)
    p = sub.add_parser("ddl", help="print the warehouse DDL, or write sql/schema/*.sql")
    p.add_argument("--dialect", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--write", metavar="DIR", nargs="?", const="sql/schema")
    p.set_defaults(func=_ddl)
    p = sub.add_parser("media", help="media intake")
    media_sub = p.add_subparsers(dest="media_command", required=True)
    p = media_sub.add_parser("add-url", help="queue a direct video URL (https, size-capped) for download and extraction")
    p.add_argument("url")
    p.add_argument("--video-id", help="the TikTok video id it belongs to (default: a draft id from the URL)")
    p.add_argument("--caption", help="the caption to analyse with it")
    p.add_argument("--ytdlp", action="store_true", help="fetch a page URL with yt-dlp (needs TIKTOK_MEDIA_YTDLP=1)")
    p.set_defaults(func=_media_add_url)
    p = sub.add_parser("db", help="warehouse schema migrations (Alembic)")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations in place (creates the schema in an empty database)")
    db_sub.add_parser("current", help="show the warehouse's schema revision and the newest one")
    p.set_defaults(func=_db)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
