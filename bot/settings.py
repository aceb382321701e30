"""The bot's settings: the ingest settings plus retrieval, answer and LLM choices.

Same file (`HOME/guidebot.toml`) and environment prefix (`GUIDEBOT_`) as ingest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr, field_validator

from ingest.settings import IngestSettings, unknown_key


class CertificationLevel(BaseModel):
    """One certification level: which topics it covers (substrings of a question's
    topic or source file; empty means the whole bank), how many questions, pass mark."""

    name: str
    topics: list[str] = []
    questions: int = 10
    pass_mark: float = 0.8  # share of questions answered right


DEFAULT_LEVELS = [
    CertificationLevel(name="初级", topics=["SOP", "流程", "规则", "Procedure"], questions=10, pass_mark=0.7),
    CertificationLevel(name="中级", topics=[], questions=15, pass_mark=0.8),
    CertificationLevel(name="高级", topics=[], questions=25, pass_mark=0.9),
]


class Settings(IngestSettings):
    # retrieval
    top_k: int = 5
    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    translated_weight: float = 0.5  # lexical search with the question's words in the other language
    cross_lingual_weight: float = 1.0  # English question: dense list over Chinese passages
    cross_lingual_weight_zh: float = 0.5  # Chinese question: dense list over English passages
    coverage_weight: float = 0.02
    product_boost: float = 0.03
    field_boost: float = 0.02  # a named product's record holds the field asked for (price, reply …)
    part_focus_weight: float = 0.02  # the best single part's coverage of the question (see retrieve.py)
    lexical_column_weights: tuple[float, float, float] = (1.0, 0.6, 0.15)
    # "found" decision: a logistic score over a passage's features, fitted with
    # bench/calibrate.py on eval/questions.jsonl, eval/calibration.jsonl, eval/noanswer_dev.jsonl
    # eval/seeds/questions.jsonl and eval/chain2/questions.jsonl (see README); found when one of
    # the top passages scores >= 0
    found_bias: float = -6.549
    found_weights: dict[str, float] = {
        "dense": 1.781, "dense_best": 1.125, "coverage": 1.238, "soft_coverage": 1.83, "soft_min": 3.034,
        "cross_lingual": 1.081, "named_record": -0.201, "detail_gap": -1.446, "missing_code": -1.22,
        "missing_date": -1.505, "question_words": 0.373, "focus": 0.903,
    }
    lexical_only_min_coverage: float = 0.75  # the found rule while the vector store is unreachable
    # answers
    answer_max_chars: int = 360
    max_question_chars: int = 500
    rate_limit_count: int = 8  # messages per person …
    rate_limit_window_s: float = 30.0  # … in this many seconds
    database_retry_s: float = 60.0  # a database that went away (a restart) is waited for this long
    followup_window_s: float = 600.0  # a question without its own subject refers to the same
    # person's previous exchange on the same channel only if that came this recently
    # Telegram: the token comes from GUIDEBOT_TELEGRAM_TOKEN (or the config file)
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None  # a Bot API server instead of Telegram's
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = 8443
    telegram_webhook_listen: str = "127.0.0.1"  # 0.0.0.0 inside a container behind a proxy
    telegram_concurrency: int = 16
    telegram_timeout_s: float = 10.0  # per Bot API request (read/write)
    log_level: str = "WARNING"
    # optional LLM through LangChain; with no provider, answers are extractive
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_temperature: float = 0.0
    llm_timeout_s: float = 30.0
    # quizzes and practice
    quiz_session_size: int = 5
    quiz_timezone: str = "Asia/Shanghai"  # reminders and deadlines are in local time
    quiz_sweep_interval_s: float = 60.0  # how often due reminders are looked for
    quiz_asked_days: int = 7  # questions asked this recently feed the asker's practice
    quiz_resume_hours: float = 12.0  # an open session older than this starts afresh
    certification_levels: list[CertificationLevel] = DEFAULT_LEVELS
    # dashboard
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8000
    dashboard_secret: SecretStr | None = None  # signs session cookies; default: HOME/dashboard.secret
    dashboard_https_only: bool = False  # set behind TLS: cookies then go over HTTPS only
    # addresses of the reverse proxies whose X-Forwarded-For names the client (e.g.
    # ["127.0.0.1"] behind nginx on the same machine); from anyone else it is ignored
    dashboard_trusted_proxies: list[str] = []

    @field_validator("found_weights")
    @classmethod
    def _known_weights(cls, value: dict[str, float]) -> dict[str, float]:
        """Weights given override the defaults one by one; a name that is no weight is
        refused (it used to replace the whole table, and the bot declined everything)."""
        defaults: dict[str, float] = cls.model_fields["found_weights"].default
        for key in value:
            if key not in defaults:
                raise unknown_key(key, list(defaults), "found_weights")
        return {**defaults, **value}

