"""The web app of `applicant-bot serve` (FastAPI): webhooks, /healthz, signed form downloads."""

from bot.web._app import WebContext, app_from_environment, create_app
from bot.web._forms import FormLinkError, FormLinks, FormRef, content_disposition
from bot.web._secret import form_link_secret

__all__ = [
    "FormLinkError",
    "FormLinks",
    "FormRef",
    "WebContext",
    "app_from_environment",
    "content_disposition",
    "create_app",
    "form_link_secret",
]
