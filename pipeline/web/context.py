"""What every request handler shares: settings, state, templates, CSRF, login, the clock, store files."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from pipeline.config import load_store
from pipeline.config.model import StoreConfig
from pipeline.fortnox.tokenstore import TokenStore
from pipeline.web.config import WebConfig
from pipeline.web.fleet import FleetCache
from pipeline.web.i18n import LANGS, scope_text, translator
from pipeline.web.invitations import utc_now
from pipeline.web.security import BasicAuth, Csrf
from pipeline.web.signing import derive_key
from pipeline.web.state import WebState

LANG_COOKIE = "ks_lang"


def environment() -> jinja2.Environment:
    """Pages (`*.html.j2`) are autoescaped; the till scripts (`*.ps1.j2`, `*.sh.j2`) are plain text."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline", "templates/web"),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.globals["scope_text"] = scope_text
    env.filters["clock"] = lambda stamp: datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return env


@dataclass
class WebContext:
    config: WebConfig
    state: WebState
    today: Callable[[], date] = date.today
    now: Callable[[], datetime] = utc_now  # naive UTC, as the tables keep it
    env: jinja2.Environment = field(default_factory=environment)
    _stores: dict[str, tuple[float, StoreConfig | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        secure = self.config.public_url.startswith("https://")
        self.csrf = Csrf(derive_key(self.config.secret_key, "csrf-v1"), secure)
        self.auth = BasicAuth(self.config.admin_user, self.config.admin_password_hash)
        self.tokens = TokenStore.in_state_dir(self.config.settings.state_dir, self.config.secret_key)
        self.fleet = FleetCache(self.config.settings, self.today, self.config.status_seconds)

    @property
    def secure(self) -> bool:
        return self.csrf.secure

    def store_config(self, store: str) -> StoreConfig | None:
        """The store's file, loaded again only when it changed; None when it is missing or has errors."""
        path = self.config.settings.stores_dir / f"{store}.yaml"
        if not _is_store_id(store):
            return None
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return None
        cached = self._stores.get(store)
        if cached and cached[0] == stamp:
            return cached[1]
        config, _diagnostics = load_store(path)
        self._stores[store] = (stamp, config)
        return config

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A page with the CSRF token for its forms and the language chosen (`?lang=en`, then the cookie)."""
        lang = lang_of(request)
        cookie, new = self.csrf.cookie_value(request)
        html = self.env.get_template(template).render(
            t=translator(lang), lang=lang, other_lang=LANGS[1 - LANGS.index(lang)], csrf=self.csrf.token(cookie),
            request_path=request.url.path, **values)
        response = HTMLResponse(html, status_code=status)
        if new:
            self.csrf.set_cookie(response, cookie)
        if request.query_params.get("lang") in LANGS:
            response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax", secure=self.secure)
        return response


def _is_store_id(store: str) -> bool:
    return bool(store) and len(store) <= 64 and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in store) \
        and store == store.lower()


def lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "sv"
    return wanted if wanted in LANGS else "sv"


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context
