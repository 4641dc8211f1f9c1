"""Every setting of applicant-bot, in one place.

Each field is read from an environment variable named ``APPLICANT_BOT_<FIELD>`` (or from a ``.env``
file in the working directory). The field's description is its help text; README.md lists them all
and a test keeps the two in step.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APPLICANT_BOT_"
_REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """XDG data directory, so an index survives between runs and checkouts."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "applicant-bot"


def sample_notices_dir() -> Path | None:
    """The sample corpus beside this repository (``../shared/notices``), when it exists."""
    for candidate in (_REPO_ROOT.parent / "shared" / "notices", Path.cwd().parent / "shared" / "notices"):
        if candidate.is_dir():
            return candidate
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    notices: Path | None = Field(
        default=None,
        description="Folder of notices (.txt/.docx/.pdf/.html/.md, optional catalog.yaml). "
        "Default: ../shared/notices beside the repository when it exists.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the index (and later the database) lives. Default: $XDG_DATA_HOME/applicant-bot "
        "or ~/.local/share/applicant-bot.",
    )
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server. Unset: a persistent Chroma directory inside data_dir.",
    )
    chroma_port: int = Field(default=8000, description="Port of the Chroma server (with chroma_host).")
    embeddings: Literal["char-ngram", "openai", "local"] = Field(
        default="char-ngram",
        description="Vector channel of the hybrid search. char-ngram: hashed character n-grams, no model "
        "(default). openai: an OpenAI-compatible /embeddings endpoint (embeddings_base_url, "
        "embeddings_model). local: a sentence-transformers model directory (embeddings_model_dir; "
        "needs the local-embeddings extra).",
    )
    embeddings_base_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible embeddings endpoint."
    )
    embeddings_model: str | None = Field(default=None, description="Embedding model name at that endpoint.")
    embeddings_api_key: SecretStr | None = Field(
        default=None, description="API key for the embeddings endpoint."
    )
    embeddings_model_dir: Path | None = Field(
        default=None, description="Local sentence-transformers model directory (embeddings=local)."
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible chat endpoint. Unset (default): extractive answers, "
        "no model is called.",
    )
    llm_model: str | None = Field(default=None, description="Chat model name at that endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the chat endpoint.")
    llm_timeout_s: float = Field(
        default=20.0, description="Seconds to wait for the LLM before falling back to the extractive answer."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the conversation store, e.g. postgresql://user@host:5432/db "
        "(psycopg 3; needs the postgres extra). Unset: a SQLite file conversations.sqlite3 in data_dir.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0) for what the workers of `applicant-bot serve` share: "
        "message dedupe, nonces, the WeChat access_token, answers kept for later (needs the redis extra). "
        "Unset: the conversation database holds them.",
    )
    telegram_token: SecretStr | None = Field(
        default=None,
        description="Telegram bot token from @BotFather, for `applicant-bot telegram`. Unset: that command "
        "exits with a hint.",
    )
    wechat_token: SecretStr | None = Field(
        default=None,
        description="Token of the WeChat 公众号 server configuration (服务器配置 → 令牌); it signs every "
        "request to /wechat. Unset: /wechat answers 403.",
    )
    wechat_app_id: str | None = Field(
        default=None, description="AppID of the 公众号 (开发者ID): the access_token and safe mode use it."
    )
    wechat_app_secret: SecretStr | None = Field(
        default=None,
        description="AppSecret of the 公众号, for the access_token that sends 客服消息 (answers later than "
        "WeChat's 5 seconds).",
    )
    wechat_aes_key: SecretStr | None = Field(
        default=None,
        description="EncodingAESKey (43 characters). Set: safe mode (安全模式), every message and reply is "
        "AES-encrypted and checked by msg_signature; plaintext messages are refused. Unset: plaintext mode.",
    )
    wechat_api_base: str = Field(
        default="https://api.weixin.qq.com",
        description="Base URL of the WeChat API (access_token, 客服消息); tests point it at a fake API on "
        "loopback.",
    )
    wechat_customer_service: bool = Field(
        default=True,
        description="Whether the 公众号 may send 客服消息 (verified service accounts). False: an answer that "
        "misses the 5-second passive reply is kept and shown with the user's next message.",
    )
    today: date | None = Field(
        default=None,
        description="Date used to tell whether a deadline has passed (YYYY-MM-DD). Default: the system date.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="The address applicants reach `applicant-bot serve` at (https://bot.example.org), for "
        "the absolute form download links sent in WeChat. Unset: http://<host>:<port> of `serve`.",
    )
    form_link_ttl_hours: float = Field(
        default=72.0, gt=0, description="Hours a form download link works after it was sent."
    )
    form_link_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the form download links (HMAC-SHA256). Unset: a random key created once "
        "in data_dir (form-link-secret, mode 0600), shared by the workers of one machine; set it when "
        "several machines serve.",
    )
    passive_deadline_s: float = Field(
        default=4.0,
        gt=0,
        description="Seconds a webhook waits for the answer before acknowledging it and delivering the "
        "answer by push (WeChat allows 5 s for the passive reply).",
    )

    staff_session_hours: float = Field(
        default=12.0, gt=0, description="Hours a staff login (/staff/) lasts before signing in again."
    )
    staff_lockout_attempts: int = Field(
        default=5,
        ge=1,
        description="Consecutive wrong passwords after which a staff account is locked "
        "(staff_lockout_minutes).",
    )
    staff_lockout_minutes: float = Field(
        default=15.0, gt=0, description="Minutes a staff account stays locked after too many wrong passwords."
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="Key of the applicant pseudonyms on the staff pages (申请人-xxxxxxxx, HMAC-SHA256 of "
        "the channel id). Unset: a random key created once in data_dir (pseudonym-secret, mode 0600); set "
        "it when several machines serve, so an applicant has one pseudonym everywhere.",
    )

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def resolved_notices(self, override: Path | None = None) -> Path | None:
        """--notices, else APPLICANT_BOT_NOTICES, else the sample corpus beside the repository."""
        return override or self.notices or sample_notices_dir()

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def managed_notices_dir(self) -> Path:
        """Where the notices staff upload on the staff pages live (beside the read-only `notices`)."""
        return self.data_dir / "notices"

    @property
    def forms_dir(self) -> Path:
        """Where the console saves the completed forms it receives."""
        return self.data_dir / "forms"

    def resolved_database_url(self) -> str:
        from conversations import default_database_url

        return self.database_url or default_database_url(self.data_dir)

    def effective_today(self) -> date:
        return self.today or date.today()


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and the docs test."""
    rows = []
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "see help"
        else:
            default = "unset" if field.default is None else str(field.default)
        rows.append((ENV_PREFIX + name.upper(), default, field.description or ""))
    return rows
