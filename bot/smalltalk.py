"""Greetings and thanks ("你好", "在吗", "hi", "谢谢", "好的", "thanks"): not questions
for the knowledge base. Whatever the channel, they get a short reply saying what the bot
can do, and they are neither answered from the index nor recorded (so they never show up
as knowledge gaps, nor become the subject of a follow-up).

Only a message made of nothing but such words counts: "你好，退货要几天" is a question,
asked without its greeting (a word the knowledge base does not hold would only count
against the passage that answers).
"""

from __future__ import annotations

import re
from typing import Literal

from bot.messages import say
from ingest.normalize import for_matching

SmallTalk = Literal["hello", "thanks"]

_HELLO = (
    "你好", "您好", "你们好", "大家好", "哈喽", "哈啰", "嗨", "喂", "在吗", "在么", "在不在", "在嘛",
    "早", "早上好", "早安", "上午好", "中午好", "下午好", "晚上好", "有人吗",
    "hi", "hello", "hey", "hiya", "hallo", "good morning", "good afternoon", "good evening",
    "morning", "anyone there", "are you there",
)
_THANKS = (
    "谢谢", "多谢", "谢啦", "谢了", "感谢", "非常感谢", "太感谢了", "辛苦了", "好的", "好滴", "好",
    "嗯", "嗯嗯", "收到", "明白", "明白了", "知道了", "了解", "懂了", "没问题", "不错", "棒",
    "thanks", "thank you", "thank you very much", "thanks a lot", "many thanks", "thx", "cheers",
    "ok", "okay", "okey", "got it", "great", "cool", "nice", "perfect", "understood", "noted", "sure",
)
# Words that may come with them without making a question: whom it is said to, particles.
_ALONGSIDE = (
    "你", "您", "bot", "guidebot", "机器人", "助手", "小助手", "老师", "there", "you", "so much",
    "very much", "all", "everyone", "你们", "大家", "啊", "呀", "哈", "哈哈", "呢", "哦", "噢", "喔", "嘛", "啦", "吧",
    "的", "了", "哟", "咯", "呐",
)


def _alternation(phrases: tuple[str, ...]) -> str:
    """Longest first; Latin words only as whole words ("hi" is not in "this")."""
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        parts.append(rf"\b{escaped}\b" if phrase.isascii() else escaped)
    return "|".join(parts)


# One word at a time, longest first, never re-split (atomic): linear in the message.
_WORD = re.compile(rf"\s*(?>({_alternation(_HELLO + _THANKS + _ALONGSIDE)}))")
_KIND: dict[str, SmallTalk] = {**{w: "hello" for w in _HELLO}, **{w: "thanks" for w in _THANKS}}
# Punctuation, symbols and emoji carry no question.
_NOISE = re.compile(r"[^\w\s]|_")


def small_talk(message: str) -> SmallTalk | None:
    """'hello' or 'thanks' when the message is only a greeting or a thank-you (or an
    acknowledgement like "好的" / "ok"), else None."""
    text = _NOISE.sub(" ", for_matching(message)).strip()
    kinds: set[SmallTalk] = set()
    position = 0
    while position < len(text):
        word = _WORD.match(text, position)
        if word is None:
            return None  # something else is said: a question
        kind = _KIND.get(" ".join(word.group(1).split()))
        if kind is not None:
            kinds.add(kind)
        position = word.end()
    # only particles or a name ("啊", "bot") say nothing
    return "thanks" if "thanks" in kinds else "hello" if "hello" in kinds else None


# Between clauses: punctuation, or spaces (which is how English words part too).
_CLAUSES = re.compile(r"([\s,，。.!！?？~～;；:：、]+)")
MAX_AROUND = 8  # clauses of small talk looked for at either end


def without_small_talk(question: str) -> str:
    """The question without the greetings and thanks around it ("你好，退货要几天？谢谢"
    → "退货要几天？"); unchanged when there is nothing else, or nothing to take off."""
    parts = _CLAUSES.split(question.strip())  # clause, separator, clause, …
    count = (len(parts) + 1) // 2
    # the most clauses at the start, then at the end, that together are only small talk
    lead = max((n for n in range(1, min(count, MAX_AROUND) + 1)
                if small_talk("".join(parts[:2 * n - 1]))), default=0)
    tail = max((n for n in range(1, min(count - lead, MAX_AROUND) + 1)
                if small_talk("".join(parts[2 * (count - n):]))), default=0)
    rest = "".join(parts[2 * lead:2 * (count - tail)]).strip()
    return rest if rest and (lead or tail) else question


def small_talk_reply(kind: SmallTalk, language: str) -> str:
    """A short reply in the person's language: a word back, then what the bot can do."""
    return say(f"smalltalk_{kind}", language) + "\n" + say("capabilities", language)
