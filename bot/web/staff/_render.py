"""Server-rendered staff pages: Jinja2 templates (autoescaped) and the navigation.

The navigation lists the staff pages by route name and shows only those the app has, so a page added
later (gaps, curated answers, notices) appears once its route is mounted under that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.routing import NoMatchFound

from bot.web.staff._security import StaffUser


@dataclass(frozen=True)
class NavEntry:
    label: str
    route_name: str


NAV_ENTRIES = (
    NavEntry("概览", "staff_overview"),
    NavEntry("问题缺口", "staff_gaps"),
    NavEntry("协会答复", "staff_curated"),
    NavEntry("问答记录", "staff_log"),
    NavEntry("通知管理", "staff_notices"),
)

_environment = Environment(
    loader=PackageLoader("bot.web.staff", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request,
    template: str,
    *,
    user: StaffUser | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """`template` as a page: the CSP nonce, the signed-in user, the CSRF token and the nav are passed."""
    nav = []
    for entry in NAV_ENTRIES:
        try:
            href = str(request.app.url_path_for(entry.route_name))
        except NoMatchFound:  # that page is not mounted (yet)
            continue
        nav.append({"label": entry.label, "href": href, "active": request.url.path == href})
    page = _environment.get_template(template).render(
        nonce=getattr(request.state, "csp_nonce", ""),
        user=user,
        csrf_token=user.csrf_token if user else "",
        nav=nav,
        **context,
    )
    return HTMLResponse(page, status_code=status)


@dataclass(frozen=True)
class RouteInfo:
    name: str | None
    path: str
    methods: frozenset[str]


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every HTTP route of `app`, routers included (FastAPI >= 0.16x keeps included routers nested)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # older FastAPI: app.routes is already flat
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    return [
        RouteInfo(getattr(route, "name", None), route.path, frozenset(route.methods))
        for route in routes
        if getattr(route, "methods", None) and getattr(route, "path", None)
    ]


def message_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "message.html", status=status, title="申报助手", message=message)
