"""Server-rendered staff pages: Jinja2 templates (autoescaped) and the navigation.

The navigation lists the staff pages by route name and shows only those the app has, so a page added
later (gaps, curated answers, notices) appears once its route is mounted under that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

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
    routes = {getattr(route, "name", None): getattr(route, "path", "") for route in request.app.routes}
    nav = [
        {
            "label": entry.label,
            "href": routes[entry.route_name],
            "active": request.url.path == routes[entry.route_name],
        }
        for entry in NAV_ENTRIES
        if entry.route_name in routes
    ]
    page = _environment.get_template(template).render(
        nonce=getattr(request.state, "csp_nonce", ""),
        user=user,
        csrf_token=user.csrf_token if user else "",
        nav=nav,
        **context,
    )
    return HTMLResponse(page, status_code=status)


def message_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "message.html", status=status, title="申报助手", message=message)
