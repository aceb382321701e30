"""Text normalisation: the forms staff type and the forms documents arrive in meet."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ingest.lexical import ChunkRecord, LexicalStore, QueryTerms
from ingest.normalize import (
    cjk_bigrams,
    clean_display,
    for_matching,
    language_of,
    split_sentences,
    to_simplified,
    with_stems,
    words,
)


def test_traditional_chinese_matches_as_simplified() -> None:
    assert for_matching("門市一律不收人民幣現金") == "门市一律不收人民币现金"
    assert to_simplified("會員積分規則") == "会员积分规则"


def test_simplified_question_and_traditional_document_share_their_words() -> None:
    question = QueryTerms.of("会员积分怎么兑换")
    document = QueryTerms.of("會員積分兌換規則")
    assert {"会员", "积分", "兑换"} <= set(question.words) & set(document.words)


def test_full_width_digits_letters_and_punctuation_become_half_width() -> None:
    assert for_matching("ＨＹ－ＡＰ３００　价格２９９９元，") == "hy-ap300 价格2999元,"


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1))
def test_any_full_width_code_reads_like_its_half_width_twin(code: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert for_matching(full_width) == code.lower()


def test_pinyin_annotations_inside_words_are_removed() -> None:
    scraped = "經(jīng)營(yíng)管理與門(mén)店運(yùn)營"
    assert clean_display(scraped) == "經營管理與門店運營"
    assert for_matching(scraped) == "经营管理与门店运营"


def test_text_without_pinyin_keeps_its_brackets() -> None:
    assert clean_display("价格(元)以小票为准") == "价格(元)以小票为准"
    assert clean_display("SKU (HY-AP300) 有货") == "SKU (HY-AP300) 有货"


def test_english_gloss_in_brackets_after_chinese_is_kept() -> None:
    assert clean_display("发送电子邮件(email)给顾客") == "发送电子邮件(email)给顾客"


def test_chinese_words_come_from_jieba_without_filler() -> None:
    tokens = words(for_matching("请问门店导购怎么处理退货呢"))
    assert {"门店", "导购", "处理", "退货"} <= set(tokens)
    assert not {"请问", "怎么", "呢"} & set(tokens)


def test_sku_codes_and_english_words_are_tokens() -> None:
    tokens = words(for_matching("What is the price of HY-AP300?"))
    assert "hy-ap300" in tokens and "price" in tokens
    assert "the" not in tokens and "what" not in tokens


def test_character_bigrams_cover_every_adjacent_pair() -> None:
    assert cjk_bigrams("退货流程") == ["退货", "货流", "流程"]
    assert cjk_bigrams("a退b") == []


def test_sentences_split_at_chinese_and_english_punctuation() -> None:
    assert split_sentences("先道歉。再登记！可以吗？Then call. Done") == [
        "先道歉。", "再登记！", "可以吗？", "Then call.", "Done",
    ]


def test_language_follows_the_question_script() -> None:
    assert language_of("退货怎么办") == "zh"
    assert language_of("How do returns work?") == "en"


def test_english_keyword_search_finds_other_forms_of_a_word(tmp_path: Path) -> None:
    """"what time do we open" finds "the store opens at 9:30" by keyword, and "closing"
    finds "close"; words stay as written for everything else."""
    store = LexicalStore(tmp_path / "lexical.sqlite3")
    passages = {"a": "The opening shift arrives before the store opens at 9:30.",
                "b": "Close the till and lock the medicine cabinet.",
                "c": "退货须在7天内办理。"}
    store.upsert_chunks("Store SOP", [ChunkRecord(i, "d", n, None, text) for n, (i, text) in enumerate(passages.items())])
    store.commit()
    assert [i for i, _ in store.search(QueryTerms.of("what time do we open"), 5, (1.0, 0.6, 0.15))] == ["a"]
    assert [i for i, _ in store.search(QueryTerms.of("closing the till"), 5, (1.0, 0.6, 0.15))] == ["b"]
    assert QueryTerms.of("opening hours").words == ["opening", "hours"]
    assert with_stems(["opening", "hy-ap300", "退货"]) == ["opening", "hy-ap300", "退货", "open"]
