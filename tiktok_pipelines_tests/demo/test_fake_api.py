"""The fake TikTok API, exercised over real HTTP (httpx through WSGI, and once over a socket)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, parse_qs, urlsplit

import httpx
import pytest

from tiktok_pipelines.demo.fake_api import VIDEO_FIELDS, FakeTikTokApi, FaultPlan
from tiktok_pipelines.demo.server import serve_in_thread
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FrozenClock

BASE = "https://open.tiktokapis.com"
REDIRECT = "https://app.example.com/tiktok/callback"
LOG_ID_RE = re.compile(r"\d{14}[0-9A-F]{18}")
ALL_FIELDS = ",".join(VIDEO_FIELDS)
COUNT_FIELDS = "id,create_time,view_count,like_count,comment_count,share_count"


@pytest.fixture(scope="module")
def account() -> DemoAccount:
    return DemoAccount()  # immutable: safe to share between tests


@pytest.fixture
def api(account: DemoAccount, clock: FrozenClock) -> FakeTikTokApi:
    return FakeTikTokApi(account, clock)


@pytest.fixture
def http(api: FakeTikTokApi) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.WSGITransport(app=api), base_url=BASE) as client:
        yield client


@pytest.fixture
def token(api: FakeTikTokApi) -> str:
    return api.grant_user_tokens()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def video_list(http: httpx.Client, token: str, body: Any = None, fields: str = "id,create_time") -> httpx.Response:
    return http.post("/v2/video/list/", params={"fields": fields}, json=body if body is not None else {}, headers=bearer(token))


def video_query(http: httpx.Client, token: str, ids: list[str], fields: str = COUNT_FIELDS) -> httpx.Response:
    return http.post(
        "/v2/video/query/", params={"fields": fields}, json={"filters": {"video_ids": ids}}, headers=bearer(token)
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    payload = response.json()
    assert payload["data"] == {}
    assert payload["error"]["code"] == code
    assert LOG_ID_RE.fullmatch(payload["error"]["log_id"])
    return payload["error"]


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] == error
    assert payload["error_description"] and payload["log_id"]
    assert "data" not in payload
    return payload


def all_pages(
    http: httpx.Client, token: str, max_count: int = 20, fields: str = "id,create_time"
) -> tuple[list[dict[str, Any]], int]:
    videos: list[dict[str, Any]] = []
    body: dict[str, Any] = {"max_count": max_count}
    pages = 0
    while True:
        response = video_list(http, token, body, fields=fields)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        pages += 1
        videos.extend(data["videos"])
        if data["videos"]:
            assert data["cursor"] == data["videos"][-1]["create_time"] * 1000
        if not data["has_more"]:
            return videos, pages
        body = {"max_count": max_count, "cursor": data["cursor"]}
        assert pages < 100


# --- video list / query --------------------------------------------------------------------------


def test_full_pagination_returns_every_visible_video_once(http, token, account, api) -> None:
    videos, pages = all_pages(http, token, max_count=20)
    expected = [v.id for v in account.videos_visible_at(DEMO_NOW)]
    assert [v["id"] for v in videos] == expected
    assert len(set(expected)) == len(expected) == 36
    assert pages == 2
    times = [v["create_time"] for v in videos]
    assert times == sorted(times, reverse=True)
    assert [r.body for r in api.requests] == [{"max_count": 20}, {"max_count": 20, "cursor": times[19] * 1000}]


def test_default_page_size_and_only_requested_fields(http, token, account) -> None:
    response = video_list(http, token, {}, fields="id,view_count")
    payload = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert payload["error"]["code"] == "ok" and payload["error"]["message"] == ""
    data = payload["data"]
    assert len(data["videos"]) == 10 and data["has_more"] is True
    assert all(set(v) == {"id", "view_count"} for v in data["videos"])
    newest = account.videos_visible_at(DEMO_NOW)[0]
    assert data["videos"][0] == {"id": newest.id, "view_count": newest.counts_at(DEMO_NOW).views}


def test_all_video_fields_have_tiktok_types(http, token, account, api) -> None:
    video = video_list(http, token, {"max_count": 1}, fields=ALL_FIELDS).json()["data"]["videos"][0]
    assert list(video) == list(VIDEO_FIELDS)
    demo = account.video(video["id"])
    assert demo is not None
    assert isinstance(video["id"], str) and re.fullmatch(r"\d{19}", video["id"])
    assert video["create_time"] == int(demo.create_time.timestamp())
    for name in ("duration", "height", "width", "like_count", "comment_count", "share_count", "view_count"):
        assert isinstance(video[name], int)
    assert video["video_description"] == demo.description and video["title"] == demo.title
    expires = int(parse_qs(urlsplit(video["cover_image_url"]).query)["x-expires"][0])
    assert expires == int(DEMO_NOW.timestamp()) + 6 * 3600
    assert video["share_url"].endswith(f"/video/{demo.id}?utm_campaign=tt4d_open_api&utm_source={api.client_key}")
    assert video["embed_link"].startswith(f"https://www.tiktok.com/static/profile-video?id={demo.id}&")
    assert video["is_aigc"] is False


def test_cursor_returns_older_videos_only(http, token, account) -> None:
    visible = account.videos_visible_at(DEMO_NOW)
    pivot = visible[5]
    cursor = int(pivot.create_time.timestamp()) * 1000
    data = video_list(http, token, {"cursor": cursor, "max_count": 3}).json()["data"]
    assert [v["id"] for v in data["videos"]] == [v.id for v in visible[6:9]]
    # a cursor 1 ms after the pivot's second includes the pivot itself
    data = video_list(http, token, {"cursor": cursor + 1, "max_count": 1}).json()["data"]
    assert data["videos"][0]["id"] == pivot.id
    data = video_list(http, token, {"cursor": 0}).json()["data"]
    assert data["videos"] == [] and data["has_more"] is False


def test_uploads_appear_after_clock_advance(http, api, account, clock) -> None:
    before = {v["id"]: v for v in all_pages(http, api.grant_user_tokens()["access_token"], fields=COUNT_FIELDS)[0]}
    clock.advance(hours=48)  # past the 2 h access-token lifetime too: take fresh tokens
    after = {v["id"]: v for v in all_pages(http, api.grant_user_tokens()["access_token"], fields=COUNT_FIELDS)[0]}
    new = set(after) - set(before)
    assert len(new) == 3 and set(before) < set(after)
    for video_id, old in before.items():
        assert after[video_id]["view_count"] >= old["view_count"]
        assert after[video_id]["like_count"] >= old["like_count"]
    assert sum(after[i]["view_count"] for i in before) > sum(v["view_count"] for v in before.values())


def test_video_query_omits_unknown_and_unposted_ids(http, token, account) -> None:
    visible = account.videos_visible_at(DEMO_NOW)
    upcoming = account.videos[0]
    assert upcoming.create_time > DEMO_NOW
    ids = [visible[3].id, "7000000000000000001", upcoming.id, visible[0].id]
    response = video_query(http, token, ids)
    assert response.status_code == 200
    videos = response.json()["data"]["videos"]
    assert [v["id"] for v in videos] == [visible[3].id, visible[0].id]
    counts = visible[3].counts_at(DEMO_NOW)
    assert videos[0]["view_count"] == counts.views and videos[0]["share_count"] == counts.shares


def test_video_query_limits(http, token, account) -> None:
    ids = [v.id for v in account.videos_visible_at(DEMO_NOW)]
    assert len(video_query(http, token, ids[:20]).json()["data"]["videos"]) == 20
    assert_error(video_query(http, token, ids[:21]), 400, "invalid_params")
    assert_error(video_query(http, token, []), 400, "invalid_params")
    assert_error(video_query(http, token, [int(ids[0])]), 400, "invalid_params")  # ids are strings


# --- validation ----------------------------------------------------------------------------------


def test_fields_are_required_and_known(http, token) -> None:
    response = http.post("/v2/video/list/", json={}, headers=bearer(token))
    assert_error(response, 400, "invalid_params")
    assert_error(video_list(http, token, {}, fields="id,play_url"), 400, "invalid_params")
    response = http.get("/v2/user/info/", params={"fields": "open_id,email"}, headers=bearer(token))
    assert "email" in assert_error(response, 400, "invalid_params")["message"]


@pytest.mark.parametrize("body", [{"max_count": 50}, {"max_count": 0}, {"max_count": "5"}, {"max_count": True}, {"cursor": -1}, {"cursor": "x"}])
def test_bad_list_parameters(http, token, body) -> None:
    assert_error(video_list(http, token, body), 400, "invalid_params")


def test_malformed_json_body(http, token) -> None:
    response = http.post(
        "/v2/video/list/",
        params={"fields": "id"},
        content=b'{"max_count": 5',
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "invalid_params")
    response = http.post("/v2/video/list/", params={"fields": "id"}, json=[1, 2], headers=bearer(token))
    assert_error(response, 400, "invalid_params")


def test_bad_missing_and_expired_tokens(http, token, api, clock) -> None:
    assert_error(http.post("/v2/video/list/", params={"fields": "id"}, json={}), 401, "access_token_invalid")
    assert_error(video_list(http, "act.not-a-real-token"), 401, "access_token_invalid")
    response = http.post("/v2/video/list/", params={"fields": "id"}, json={}, headers={"Authorization": token})
    assert_error(response, 401, "access_token_invalid")  # no "Bearer"
    assert video_list(http, token).status_code == 200
    clock.advance(seconds=api.access_ttl_s - 1)
    assert video_list(http, token).status_code == 200
    clock.advance(seconds=1)
    assert_error(video_list(http, token), 401, "access_token_invalid")


def test_missing_video_scope_is_scope_not_authorized(http, api) -> None:
    token = api.grant_user_tokens(scopes=("user.info.basic",))["access_token"]
    assert_error(video_list(http, token), 401, "scope_not_authorized")
    assert_error(video_query(http, token, ["7000000000000000001"]), 401, "scope_not_authorized")


def test_user_info_fields_and_scope_permission_missed(http, api, account) -> None:
    token = api.grant_user_tokens(scopes=("user.info.basic", "user.info.profile", "video.list"))["access_token"]
    response = http.get("/v2/user/info/", params={"fields": "open_id,display_name,username"}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["data"] == {
        "user": {"open_id": account.open_id, "display_name": account.display_name, "username": account.username}
    }
    response = http.get("/v2/user/info/", params={"fields": "open_id,follower_count"}, headers=bearer(token))
    error = assert_error(response, 400, "scope_permission_missed")
    assert error["message"].endswith("follower_count")


def test_user_info_stats_match_the_world(http, token, account, clock) -> None:
    fields = "open_id,union_id,is_verified,follower_count,following_count,likes_count,video_count"
    user = http.get("/v2/user/info/", params={"fields": fields}, headers=bearer(token)).json()["data"]["user"]
    assert list(user) == fields.split(",")
    assert user["video_count"] == 36
    assert user["likes_count"] == account.profile_at(clock.now())["likes_count"]
    assert user["is_verified"] is False


def test_unknown_path_and_wrong_method(http, token) -> None:
    assert_error(http.get("/v2/video/nope/", headers=bearer(token)), 404, "not_found")
    assert_error(http.get("/v2/video/list", params={"fields": "id"}, headers=bearer(token)), 404, "not_found")
    response = http.get("/v2/video/list/", params={"fields": "id"}, headers=bearer(token))
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_rate_window_per_endpoint(account, clock) -> None:
    now = [1000.0]
    api = FakeTikTokApi(account, clock, rate_limit_per_minute=5, monotonic=lambda: now[0])
    token = api.grant_user_tokens()["access_token"]
    with httpx.Client(transport=httpx.WSGITransport(app=api), base_url=BASE) as http:
        for _ in range(5):
            assert video_list(http, token).status_code == 200
        assert_error(video_list(http, token), 429, "rate_limit_exceeded")
        # another endpoint has its own window
        assert video_query(http, token, [account.videos[5].id]).status_code == 200
        now[0] += 59.0
        assert_error(video_list(http, token), 429, "rate_limit_exceeded")
        now[0] += 1.5  # the oldest requests have slid out of the 60 s window
        assert video_list(http, token).status_code == 200


# --- OAuth ---------------------------------------------------------------------------------------


def authorize(http: httpx.Client, **overrides: str | None) -> httpx.Response:
    params = {
        "client_key": "demo-client-key",
        "scope": "user.info.basic,video.list",
        "redirect_uri": REDIRECT,
        "state": "csrf-123",
        "response_type": "code",
        **overrides,
    }
    return http.get("/v2/auth/authorize/", params={k: v for k, v in params.items() if v is not None})


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(http: httpx.Client, code: str, **extra: str) -> httpx.Response:
    form = {
        "client_key": "demo-client-key",
        "client_secret": "demo-client-secret",
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        **extra,
    }
    return http.post("/v2/oauth/token/", data=form, headers={"Cache-Control": "no-cache"})


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    form = {
        "client_key": "demo-client-key",
        "client_secret": "demo-client-secret",
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return http.post("/v2/oauth/token/", data=form)


def test_authorize_then_token_with_hex_pkce(http, api, account) -> None:
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = hashlib.sha256(verifier.encode()).hexdigest()  # TikTok desktop: HEX, not base64url
    params = callback_params(authorize(http, code_challenge=challenge, code_challenge_method="S256"))
    assert params["state"] == "csrf-123" and params["scopes"] == "user.info.basic,video.list"
    response = exchange(http, params["code"], code_verifier=verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["access_token"].startswith("act.") and tokens["refresh_token"].startswith("rft.")
    assert tokens["open_id"] == account.open_id and tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "user.info.basic,video.list"
    assert tokens["expires_in"] == 7200 and tokens["refresh_expires_in"] == 15552000
    assert video_list(http, tokens["access_token"]).status_code == 200
    # codes are single use
    assert_oauth_error(exchange(http, params["code"], code_verifier=verifier), 400, "invalid_grant")


def test_pkce_wrong_verifier_and_base64_challenge_are_rejected(http) -> None:
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = hashlib.sha256(verifier.encode()).hexdigest()
    params = callback_params(authorize(http, code_challenge=challenge, code_challenge_method="S256"))
    error = assert_oauth_error(exchange(http, params["code"], code_verifier="x" * 64), 400, "invalid_request")
    assert "Code verifier" in error["error_description"]
    params = callback_params(authorize(http, code_challenge=challenge, code_challenge_method="S256"))
    assert_oauth_error(exchange(http, params["code"]), 400, "invalid_request")  # verifier missing
    # RFC 7636 base64url challenges are what TikTok's desktop flow rejects
    rfc = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert callback_params(authorize(http, code_challenge=rfc, code_challenge_method="S256"))["error"] == "invalid_request"
    plain = callback_params(authorize(http, code_challenge=challenge, code_challenge_method="plain"))
    assert plain["error"] == "invalid_request" and plain["state"] == "csrf-123"


def test_localhost_redirects_are_the_desktop_flow_and_need_pkce(http) -> None:
    response = authorize(http, redirect_uri="http://localhost:8765/callback/")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("http://localhost:8765/callback/?")
    params = dict(parse_qsl(location.split("?", 1)[1]))
    assert params["error"] == "invalid_request" and "code_challenge" in params["error_description"]


def test_authorize_validation_and_consent_knobs(http, api) -> None:
    assert_oauth_error(authorize(http, client_key="someone-else"), 400, "invalid_client")
    assert_oauth_error(authorize(http, redirect_uri="http://evil.example.com/cb"), 400, "invalid_request")
    assert_oauth_error(authorize(http, redirect_uri=REDIRECT + "?x=1"), 400, "invalid_request")
    assert callback_params(authorize(http, response_type="token"))["error"] == "unsupported_response_type"
    assert callback_params(authorize(http, scope="user.info.basic,video.upload"))["error"] == "invalid_scope"
    assert callback_params(authorize(http, state=None))["error"] == "invalid_request"
    api.consent_scopes = ("video.list",)
    assert callback_params(authorize(http))["scopes"] == "video.list"
    api.deny_consent = True
    denied = callback_params(authorize(http))
    assert denied["error"] == "access_denied" and denied["error_description"] and denied["state"] == "csrf-123"
    assert "code" not in denied


def test_token_exchange_checks_client_and_redirect(http, clock) -> None:
    code = callback_params(authorize(http))["code"]
    response = exchange(http, code, client_secret="wrong")
    assert_oauth_error(response, 401, "invalid_client")
    response = http.post("/v2/oauth/token/", data={"client_key": "demo-client-key", "grant_type": "client_credentials"})
    assert assert_oauth_error(response, 401, "invalid_client")["error_description"] == "Client secret is missed in request."
    code = callback_params(authorize(http))["code"]
    assert_oauth_error(exchange(http, code, redirect_uri="https://app.example.com/other"), 400, "invalid_grant")
    code = callback_params(authorize(http))["code"]
    clock.advance(minutes=11)
    assert_oauth_error(exchange(http, code), 400, "invalid_grant")  # codes expire
    response = exchange(http, "x", grant_type="password")
    assert_oauth_error(response, 400, "unsupported_grant_type")
    response = http.post("/v2/oauth/token/", json={"client_key": "demo-client-key"})
    assert_oauth_error(response, 400, "invalid_request")  # must be form-encoded


def test_refresh_rotates_and_old_refresh_token_dies(http, api, clock) -> None:
    first = api.grant_user_tokens()
    clock.advance(days=1)
    response = refresh(http, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"] and second["refresh_token"].startswith("rft.")
    assert second["access_token"] != first["access_token"]
    # the refresh lifetime is not extended by rotation
    assert second["refresh_expires_in"] == first["refresh_expires_in"] - 86400
    assert_oauth_error(refresh(http, first["refresh_token"]), 400, "invalid_grant")
    # the old access token had already expired (2 h TTL, a day passed); the new one works
    assert_error(video_list(http, first["access_token"]), 401, "access_token_invalid")
    assert video_list(http, second["access_token"]).status_code == 200
    third = refresh(http, second["refresh_token"]).json()
    # rotation leaves earlier, unexpired access tokens valid
    assert video_list(http, second["access_token"]).status_code == 200
    assert video_list(http, third["access_token"]).status_code == 200
    assert_oauth_error(refresh(http, "rft.unknown"), 400, "invalid_grant")


def test_refresh_token_expiry_and_revocation_helpers(http, api, clock) -> None:
    tokens = api.grant_user_tokens()
    api.expire_access_tokens()
    assert_error(video_list(http, tokens["access_token"]), 401, "access_token_invalid")
    renewed = refresh(http, tokens["refresh_token"]).json()
    assert video_list(http, renewed["access_token"]).status_code == 200
    api.revoke_refresh_tokens()
    assert_oauth_error(refresh(http, renewed["refresh_token"]), 400, "invalid_grant")
    assert video_list(http, renewed["access_token"]).status_code == 200
    later = api.grant_user_tokens()
    clock.advance(seconds=api.refresh_ttl_s)
    assert_oauth_error(refresh(http, later["refresh_token"]), 400, "invalid_grant")


def test_revoke_endpoint(http, api) -> None:
    tokens = api.grant_user_tokens()
    form = {"client_key": "demo-client-key", "client_secret": "demo-client-secret", "token": tokens["access_token"]}
    response = http.post("/v2/oauth/revoke/", data=form)
    assert response.status_code == 200 and response.json() == {}
    assert_error(video_list(http, tokens["access_token"]), 401, "access_token_invalid")
    assert_oauth_error(refresh(http, tokens["refresh_token"]), 400, "invalid_grant")
    assert_oauth_error(http.post("/v2/oauth/revoke/", data={**form, "client_secret": "no"}), 401, "invalid_client")


def test_client_credentials_grant(http) -> None:
    form = {"client_key": "demo-client-key", "client_secret": "demo-client-secret", "grant_type": "client_credentials"}
    response = http.post("/v2/oauth/token/", data=form)
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("clt.") and body["expires_in"] == 7200 and body["token_type"] == "Bearer"
    assert set(body) == {"access_token", "expires_in", "token_type"}
    # a client token is not a user token
    assert_error(video_list(http, body["access_token"]), 401, "access_token_invalid")


# --- faults --------------------------------------------------------------------------------------


def test_fault_rate_limit_with_retry_after(http, token, api) -> None:
    api.faults.add("rate_limit", endpoint="/v2/video/list/", retry_after=3)
    response = video_list(http, token)
    assert_error(response, 429, "rate_limit_exceeded")
    assert response.headers["retry-after"] == "3"
    assert video_list(http, token).status_code == 200
    api.faults.add("rate_limit")
    assert "retry-after" not in video_list(http, token).headers


def test_fault_internal_error_respects_count_after_and_endpoint(http, token, api, account) -> None:
    api.faults.add("internal_error", count=2, after=1, endpoint="video/list")
    statuses = []
    for _ in range(2):
        statuses.append(video_list(http, token).status_code)
        assert video_query(http, token, [account.videos[5].id]).status_code == 200  # other endpoint untouched
    statuses += [video_list(http, token).status_code for _ in range(2)]
    assert statuses == [200, 500, 500, 200]
    assert [r.fault for r in api.requests if r.path == "/v2/video/list/"] == [None, "internal_error", "internal_error", None]
    failed = api.requests[2]
    assert (failed.path, failed.error_code, failed.http_status) == ("/v2/video/list/", "internal_error", 500)


def test_fault_http200_error(http, token, api) -> None:
    api.faults.add("http200_error")
    assert_error(video_list(http, token), 200, "internal_error")
    api.faults.add("http200_error", code="access_token_invalid")
    assert_error(video_list(http, token), 200, "access_token_invalid")
    assert video_list(http, token).json()["error"]["code"] == "ok"


def test_fault_html_500_and_malformed(http, token, api) -> None:
    api.faults.add("html_500")
    response = video_list(http, token)
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    api.faults.add("malformed")
    response = video_list(http, token)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert video_list(http, token).status_code == 200


def test_fault_expire_token(http, token, api) -> None:
    tokens = api.grant_user_tokens()
    api.faults.add("expire_token", endpoint="video/query", after=1)
    assert video_query(http, token, ["7000000000000000001"]).status_code == 200
    assert_error(video_query(http, token, ["7000000000000000001"]), 401, "access_token_invalid")
    assert_error(video_list(http, tokens["access_token"]), 401, "access_token_invalid")
    renewed = refresh(http, tokens["refresh_token"]).json()
    assert video_list(http, renewed["access_token"]).status_code == 200


def test_fault_short_pages_still_paginate_completely(http, token, api, account) -> None:
    api.faults.add("short_page", count=3)
    first = video_list(http, token, {"max_count": 20}).json()["data"]
    assert len(first["videos"]) == 10 and first["has_more"] is True
    assert first["cursor"] == first["videos"][-1]["create_time"] * 1000
    videos, pages = all_pages(http, token, max_count=20)
    assert [v["id"] for v in videos] == [v.id for v in account.videos_visible_at(DEMO_NOW)]
    assert pages == 3  # the two faults left give short pages (10 + 10), then the last 16 in one page
    api.faults.add("short_page")
    one = video_list(http, token, {"max_count": 1}).json()["data"]
    assert len(one["videos"]) == 1 and one["has_more"] is True


def test_fault_plan_validation() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.add("explode")
    with pytest.raises(ValueError):
        plan.add("internal_error", endpoint="/v2/video/upload/")
    with pytest.raises(ValueError):
        plan.add("short_page", endpoint="user/info")
    with pytest.raises(ValueError):
        plan.add("delay")
    plan.add("internal_error", count=5)
    assert len(plan.pending) == 1
    plan.clear()
    assert plan.pending == [] and plan.take("/v2/video/list/") is None


def test_oauth_endpoint_faults_use_flat_bodies(http, api) -> None:
    tokens = api.grant_user_tokens()
    api.faults.add("internal_error", endpoint="oauth/token")
    assert_oauth_error(refresh(http, tokens["refresh_token"]), 500, "server_error")
    assert refresh(http, tokens["refresh_token"]).status_code == 200  # the fault did not rotate it


# --- records and log ids -------------------------------------------------------------------------


def test_requests_are_recorded_without_tokens(http, api, token) -> None:
    tokens = api.grant_user_tokens()
    video_list(http, token, {"max_count": 2}, fields="id,view_count")
    refresh(http, tokens["refresh_token"])
    video_list(http, "act.bogus")
    assert [(r.method, r.path, r.http_status, r.error_code) for r in api.requests] == [
        ("POST", "/v2/video/list/", 200, "ok"),
        ("POST", "/v2/oauth/token/", 200, "ok"),
        ("POST", "/v2/video/list/", 401, "access_token_invalid"),
    ]
    assert api.requests[0].fields == ("id", "view_count") and api.requests[0].body == {"max_count": 2}
    assert api.requests[1].body["client_secret"] == "<redacted>"
    assert api.requests[1].body["refresh_token"] == "<redacted>"
    dump = repr(api.requests)
    assert "act." not in dump and "rft." not in dump and "demo-client-secret" not in dump
    log_ids = [r.log_id for r in api.requests]
    assert all(LOG_ID_RE.fullmatch(i) and i.startswith("20261101120000") for i in log_ids)
    assert len(set(log_ids)) == 3


# --- over a real socket ---------------------------------------------------------------------------


def test_real_socket_pagination_and_delay_timeout(api, token, account) -> None:
    with serve_in_thread(api) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=server.base_url, timeout=5) as http:
            videos, _ = all_pages(http, token)
            assert len(videos) == 36 and len({v["id"] for v in videos}) == 36
            api.faults.add("delay", retry_after=0.4, endpoint="user/info")
            with pytest.raises(httpx.ReadTimeout):
                http.get("/v2/user/info/", params={"fields": "open_id"}, headers=bearer(token), timeout=0.1)
            # other requests are served while the delayed one sleeps (threaded server)
            response = http.get("/v2/user/info/", params={"fields": "open_id"}, headers=bearer(token))
            assert response.json()["data"]["user"]["open_id"] == account.open_id
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/v2/user/info/", timeout=1)
