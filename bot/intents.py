"""Which product fields a kind of question asks for ("多少钱" the price, "咋回" the
reply), matched on the normalised question. Ranking lifts the records that hold the
field; answers lift the field itself. The question's own words decide the rest."""

from __future__ import annotations

FIELD_INTENTS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("多少钱", "价格", "价钱", "售价", "几块", "多少米", "贵不贵", "会员价", "卡价", "到手价", "标价", "零售价",
      "活动价", "vip", "price", "cost", "how much"), ("price",)),
    (("异议", "嫌", "太贵", "贵了", "顾虑", "担心", "反对", "拒绝", "objection", "expensive", "worried",
      "concern", "pushback"), ("objections", "replies")),
    (("怎么回", "咋回", "怎么说", "怎么答", "回应", "应对", "话术", "respond", "reply", "answer", "says"),
     ("replies", "selling_lines")),
    (("适合", "人群", "什么人", "哪类", "谁", "推荐给", "target", "suitable", "who", "good for"), ("audience",)),
    (("卖点", "介绍", "推荐", "怎么卖", "pitch", "selling", "sell", "introduce"), ("selling_lines", "features")),
    (("货号", "编码", "型号", "条码", "sku", "item code", "model number"), ("sku",)),
    (("叫什么", "昵称", "别名", "外号", "nickname", "also called"), ("aliases",)),
    (("特点", "功能", "优势", "好处", "利益", "区别", "干嘛", "干啥", "用途", "有什么用", "feature", "advantage",
      "benefit", "why", "what is it for", "what does it do"),
     ("features", "advantages", "benefits")),
]


def wanted_fields(question_norm: str) -> list[str]:
    """The fields asked for, most specific kinds of question first."""
    wanted: list[str] = []
    for keywords, names in FIELD_INTENTS:
        if any(k in question_norm for k in keywords):
            wanted.extend(n for n in names if n not in wanted)
    return wanted


# Words that frame a guide's question rather than say what it is about: who is talking
# and what kind of answer is wanted. They are no detail a passage must mention.
FRAMING_WORDS = frozenset(
    {k for keywords, _ in FIELD_INTENTS for k in keywords}
    | {"顾客", "客人", "客户", "customer", "customers", "client", "says", "said", "asks", "tell"}
)
