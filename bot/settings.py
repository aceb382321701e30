"""The bot's settings: the ingest settings plus retrieval, answer and LLM choices.

Same file (`HOME/guidebot.toml`) and environment prefix (`GUIDEBOT_`) as ingest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from ingest.settings import IngestSettings


class Settings(IngestSettings):
    # retrieval
    top_k: int = 5
    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    cross_lingual_weight: float = 1.0  # English question: dense list over Chinese passages
    cross_lingual_weight_zh: float = 0.5  # Chinese question: dense list over English passages
    coverage_weight: float = 0.02
    product_boost: float = 0.03
    lexical_column_weights: tuple[float, float, float] = (1.0, 0.6, 0.15)
    # "found" decision: a logistic score over a passage's features, fitted with
    # bench/calibrate.py on eval/questions.jsonl, eval/calibration.jsonl, eval/noanswer_dev.jsonl
    # and eval/seeds/questions.jsonl (see README); found when one of the top passages scores >= 0
    found_bias: float = -4.854
    found_weights: dict[str, float] = {
        "dense": 1.626, "dense_best": 1.748, "coverage": 1.451, "soft_coverage": 2.257, "soft_min": 3.019,
        "cross_lingual": 1.263, "named_record": -0.682, "detail_gap": -0.658, "missing_code": -1.499,
        "missing_date": -1.799,
    }
    # answers
    answer_max_chars: int = 360
    max_question_chars: int = 500
    rate_limit_count: int = 8  # messages per person …
    rate_limit_window_s: float = 30.0  # … in this many seconds
    # Telegram: the token comes from GUIDEBOT_TELEGRAM_TOKEN (or the config file)
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None  # a Bot API server instead of Telegram's
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = 8443
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
