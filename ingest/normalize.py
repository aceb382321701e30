"""Text normalisation and tokens for matching.

Staff type simplified Chinese on phones with half-width digits; documents arrive in
traditional characters, full-width punctuation, and scraped text with pinyin after each
character. Everything that compares text goes through `for_matching` so all of these
meet in one form. Display text only gets `clean_display` (pinyin and noise removed).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba
import opencc
import snowballstemmer
from pypinyin import Style, lazy_pinyin

jieba.setLogLevel(logging.WARNING)

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# "經(jīng)營(yíng)" -> "經營": a parenthesised, tone-marked pinyin syllable right after a
# CJK character. The tone mark keeps English glosses such as "(email)".
_PINYIN_ANNOTATION = re.compile(rf"(?<=[\u3400-\u9fff?])\([a-zü]{{0,6}}[{_TONED}][a-zü]{{0,6}}\)")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")  # a run of Chinese characters
_CODE_LIKE = re.compile(r"[a-z0-9]+(?:[-_/.][a-z0-9]+)+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u3400-\u9fff]+")

# Cantonese words jieba's dictionary lacks: without them its HMM glues them to their
# neighbours ("开几耐会"), and the content word next to them is lost.
_CANTONESE_WORDS = "系咪 几耐 几多 点样 点解 边度 边个 呢度 嗰度 可唔可以 得唔得 会唔会 使唔使 有冇 佢哋 乜嘢 听日 琴日".split()
# Function words and chat filler that carry no topic ("能不能", "咋", "吗").
STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 在 有 和 与 及 或 也 都 就 还 又 把 被 让 给 对 从 到 为 以
    我 你 他 她 它 我们 你们 他们 这 那 这个 那个 这些 那些 哪 哪个 哪些 什么 怎么 怎样 怎么样
    如何 咋 咋办 咋回 为什么 多少 几 吗 能 能不能 可以 可不可以 可不可 要 需要 得 会 不会 该 应该
    一下 一个 请问 请 下 上 里 中 时 时候 后 前 等 啥 么 啦 嗯 呗 哈 喔 个 怎么办 不 没 没有 一 用
    a an the is are was were be been to of in on for and or with at by from as it this that
    what which who whom how when where why do does did can could should would will shall may
    i you he she we they my your our their me us them if about into than then so not no any
    there here please tell much many long soon fast need say says now get got just still also time
    多久 多长 多长时间 多大 多重 多厚 多高 多远 多少钱 几点 几天 几个 几倍 几分 几度 几期 几折 几次
    几号 几时 几岁 哪款 哪种 哪个 哪里 哪儿 哪家 啥时候 什么时候 什么样 怎么弄 咋整 咋弄 行不行
    好不好 对不对 是不是 有没有 要不要 会不会 能否 是否 一般 大概 现在 我们 咱们 客户 顾客 客人
    钱 块 元 价钱 多少块 customer customers aren isn don doesn didn won wasn weren hasn haven hadn
    shouldn couldn wouldn
    """.split()
) | frozenset(
    # Cantonese function words, as they read after traditional → simplified
    "系 嘅 咩 唔 咗 喺 冇 俾 啲 嗰 佢 乜 咁 嘢 嚟 几时 边".split() + _CANTONESE_WORDS
)
for _word in _CANTONESE_WORDS:
    jieba.add_word(_word, freq=2000)
STOP_CHARS = frozenset("嘅咩唔咗喺冇啲嗰佢哋乜嘢嚟的了吗呢吧啊呀哦嘛么是在有和与及或也都就还又把被让给对从到为以我你他她它这那哪啥个一不没能要得会该请")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clean_display(text: str) -> str:
    """Remove pinyin annotations and collapse spacing, keeping the document's characters
    and punctuation as written (full-width stays full-width for display)."""
    text = _PINYIN_ANNOTATION.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if _CJK.search(text) else text


def for_matching(text: str) -> str:
    """NFKC, pinyin removed, traditional to simplified, lower case."""
    return to_simplified(clean_display(unicodedata.normalize("NFKC", text))).lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def language_of(text: str) -> str:
    """'zh' when the text has Chinese characters, else 'en' (what staff write in)."""
    return "zh" if has_cjk(text) else "en"


def dominant_language(text: str) -> str:
    """'zh' when Chinese characters make up a real share of the letters, else 'en'.
    Used to give documents in the other language a fair chance in dense search."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 3 >= latin * 0.5 and cjk > 0 else "en"


def words(normalised: str) -> list[str]:
    """Content words: jieba search-mode segments for Chinese, whole words and codes
    (SKUs like hy-ap300) for Latin text, stopwords removed."""
    return list(_words(normalised))


@lru_cache(maxsize=4096)
def _words(normalised: str) -> tuple[str, ...]:
    """Cached: ingest segments each passage twice (lexical index, word vectors), and
    jieba was a third of ingest time."""
    out: list[str] = []
    for match in _CODE_LIKE.finditer(normalised):
        out.append(match.group())
    for token in jieba.cut_for_search(normalised):
        token = token.strip()
        if not token or token in STOPWORDS or not _WORD.fullmatch(token):
            continue
        if len(token) == 1 and not token.isdigit() and not _CJK.match(token):
            continue
        out.append(token)
    return tuple(out)


@lru_cache(maxsize=1)
def _english_stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def with_stems(tokens: list[str]) -> list[str]:
    """The tokens and, after them, the English stems that differ ("opens" → "open",
    "closing" → "close"), for keyword search only: "what time do we open" finds "the
    store opens at 9:30". Words are kept as written everywhere else (their vectors,
    coverage, what a person is shown)."""
    latin = [t for t in tokens if len(t) >= 4 and t.isascii() and t.isalpha()]
    stems = _english_stemmer().stemWords(latin) if latin else []
    return tokens + [stem for word, stem in zip(latin, stems, strict=True) if stem != word]


def passage_words(text: str) -> list[str]:
    """Distinct content words of a passage, as `words` gives them for matching."""
    return list(dict.fromkeys(words(for_matching(text))))


def cjk_bigrams(normalised: str) -> list[str]:
    """Overlapping character pairs inside each Chinese run; catches words jieba splits
    differently in a question and a document."""
    out: list[str] = []
    for run in CJK_RUN.findall(normalised):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def cjk_chars(normalised: str) -> list[str]:
    return [c for c in CJK_RUN.sub(lambda m: m.group(), normalised) if _CJK.match(c) and c not in STOP_CHARS]


_QUOTES = {"“": "”", "「": "」", "『": "』"}
MAX_QUOTE_CHARS = 300  # a reply script is said whole; a longer quote is cut as prose


def split_sentences(text: str) -> list[str]:
    """Sentences ending in Chinese or Latin terminal punctuation, or line breaks. What a
    quote says (“您担心得对……更省。”, a reply to a customer) stays one sentence."""
    parts = re.split(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+", text)
    pieces = [p.strip() for p in parts if p and p.strip()]
    out: list[str] = []
    open_quote: str | None = None
    for piece in pieces:
        if open_quote is not None and len(out[-1]) + len(piece) <= MAX_QUOTE_CHARS:
            out[-1] += piece
        else:
            out.append(piece)
            open_quote = None
        open_quote = _still_open(out[-1])
    return out


def _still_open(text: str) -> str | None:
    """The quote mark TEXT leaves open, if any (a straight '"' opens and closes)."""
    depth: list[str] = []
    for i, char in enumerate(text):
        if char == '"' and i and text[i - 1].isdigit():
            continue  # 5" is inches
        if char == '"':
            if depth and depth[-1] == '"':
                depth.pop()
            else:
                depth.append(char)
        elif char in _QUOTES:
            depth.append(char)
        elif depth and char == _QUOTES.get(depth[-1]):
            depth.pop()
    return depth[-1] if depth else None


# What a pinyin keyboard and a southern accent blur: zh/z, ch/c, sh/s, -ng/-n, l/n.
_SOUND_FOLDS = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"ng$"), "n"), (re.compile(r"^l"), "n"))
SOUND_CHARS = (2, 4)  # words this long (in characters) are matched by sound


def pinyin_of(word: str) -> list[str]:
    """Toneless pinyin, one syllable per character ([] if any character has none)."""
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return syllables if len(syllables) == len(word) and all(syllables) else []


@lru_cache(maxsize=100_000)
def sound_of(word: str) -> str | None:
    """How a Chinese word sounds, blurred as typing by pinyin blurs it: 价宝 and 价保,
    吹风鸡 and 吹风机, 面双 and 面霜 sound the same. None for other words."""
    if not SOUND_CHARS[0] <= len(word) <= SOUND_CHARS[1] or not CJK_RUN.fullmatch(word):
        return None
    syllables = pinyin_of(word)
    if not syllables:
        return None
    folded = []
    for syllable in syllables:
        for pattern, replacement in _SOUND_FOLDS:
            syllable = pattern.sub(replacement, syllable)
        folded.append(syllable)
    return " ".join(folded)
