"""Importing trainers' question banks: YAML, CSV, XLSX, Moodle GIFT and Aiken.

Every test writes a small real file into tmp_path and imports it through the public API.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.quiz.importers import ImportProblem, ImportResult, import_bank, import_banks
from bot.quiz.model import QuizQuestion


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def by_stem(result: ImportResult) -> dict[str, QuizQuestion]:
    return {q.stem: q for q in result.questions}


def problem_lines(result: ImportResult) -> list[int]:
    return [p.line for p in result.problems]


CN_CSV = """主题,题型,题目,选项A,选项B,选项C,选项D,答案,解析,出处
会员权益,单选,会员积分有效期是多久？,6个月,1年,2年,永久,B,积分自获得之日起1年内有效,docs/会员手册.md
会员权益,判断,会员生日当月可享双倍积分。,,,,,对,,docs/会员手册.md
退换货,简答,"无理由退货
期限是几天？",,,,,7天|七天,签收之日起计算,
,mc,坏题：答案不在选项里,甲,乙,,,E,,
"""


# --------------------------------------------------------------------------- CSV


def test_gbk_csv_with_chinese_headers_imports_every_kind(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "题库.csv", CN_CSV, "gbk"))
    questions = by_stem(result)
    assert len(result.questions) == 3

    mc = questions["会员积分有效期是多久？"]
    assert (mc.kind, mc.topic, mc.options, mc.answer_index) == (
        "multiple_choice",
        "会员权益",
        ["6个月", "1年", "2年", "永久"],
        1,
    )
    assert mc.correct_option == "1年"
    assert mc.explanation == "积分自获得之日起1年内有效"
    assert mc.source_path == "docs/会员手册.md"
    assert mc.origin == "imported"

    tf = questions["会员生日当月可享双倍积分。"]
    assert (tf.kind, tf.options, tf.answer_index) == ("true_false", ["对", "错"], 0)

    short = questions["无理由退货\n期限是几天？"]
    assert (short.kind, short.answers, short.options, short.answer_index) == (
        "short_answer",
        ["7天", "七天"],
        [],
        None,
    )
    assert short.source_path is None
    assert all(q.origin == "imported" for q in result.questions)

    # the quoted cell spans lines 4-5, so the bad row is line 6
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / '题库.csv'}:6: answer 'E' is not one of the options"
    ]


def test_english_csv_semicolons_bom_and_inferred_types(tmp_path: Path) -> None:
    text = (
        "Topic;Question;Option A;Option B;Option C;Answer;Explanation\n"
        "Returns;How long is the return window?;7 days;14 days;30 days;c;Counted from delivery\n"
        "Returns;Receipts are required for every return.;;;;False;\n"
        "Returns;Which form do you fill in?;;;;RMA form|return form;\n"
    )
    result = import_bank(write(tmp_path / "bank.csv", text, "utf-8-sig"))
    assert result.problems == []
    questions = by_stem(result)
    mc = questions["How long is the return window?"]
    assert (mc.kind, mc.correct_option, mc.explanation) == (
        "multiple_choice",
        "30 days",
        "Counted from delivery",
    )
    tf = questions["Receipts are required for every return."]
    assert (tf.kind, tf.options, tf.answer_index) == ("true_false", ["True", "False"], 1)
    short = questions["Which form do you fill in?"]
    assert (short.kind, short.answers) == ("short_answer", ["RMA form", "return form"])


def test_bad_rows_are_reported_with_their_line_and_good_rows_still_import(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "topic,type,question,option_a,option_b,option_c,option_d,answer",  # 1
            "导购,mc,开场白第一句说什么？,您好欢迎光临,随便看看,买吗,有事吗,A",  # 2 good
            "导购,mc,,a,b,,,A",  # 3 no question
            "导购,mc,选项有空缺？,a,,c,,A",  # 4 gap
            "导购,mc,多选题？,a,b,c,,AB",  # 5 two answers
            "导购,tf,顾客永远是对的。,,,,,也许",  # 6 not true/false
            "导购,essay,写一篇作文,,,,,随便",  # 7 unknown type
            "导购,mc,重复选项？,好,好 ,差,,A",  # 8 duplicate options
            "导购,mc,只有一个选项？,好,,,,A",  # 9 one option
            "导购,short,没有答案？,,,,,",  # 10 no answer
            "",  # 11 blank: skipped, not a problem
            "导购,tf,试穿后要整理衣物。,,,,,√",  # 12 good
            "导购,tf,可以替顾客保管贵重物品。,对,错,,,B",  # 13 good: the option says 错
        ]
    )
    result = import_bank(write(tmp_path / "bank.csv", text))
    questions = by_stem(result)
    assert sorted(questions) == ["可以替顾客保管贵重物品。", "开场白第一句说什么？", "试穿后要整理衣物。"]
    assert questions["可以替顾客保管贵重物品。"].answer_index == 1
    assert questions["试穿后要整理衣物。"].answer_index == 0
    assert problem_lines(result) == [3, 4, 5, 6, 7, 8, 9, 10]
    messages = [p.message for p in result.problems]
    assert messages[0] == "the question is empty"
    assert messages[1] == "option B is empty but option C is not"
    assert "multiple-answer" in messages[2]
    assert "not true/false" in messages[3]
    assert "unknown question type 'essay'" in messages[4]
    assert messages[5] == "options A and B are the same"
    assert messages[6] == "a multiple-choice question needs 2 to 12 options, found 1"
    assert messages[7] == "the answer is empty"


def test_csv_without_a_header_is_one_problem(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "bank.csv", "a,b,c\n1,2,3\n"))
    assert result.questions == []
    assert len(result.problems) == 1
    assert result.problems[0].line == 1
    assert "no header row" in result.problems[0].message


# --------------------------------------------------------------------------- XLSX


def test_xlsx_every_sheet_with_a_title_row_above_the_header(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "会员"
    first.append(["2024年会员权益考题（内部）"])  # title row
    first.append([])
    first.append(["题型", "题目", "选项A", "选项B", "选项C", "答案", "解析"])  # header on row 3
    first.append(["单选", "银卡升级金卡需要多少积分？", 1000, 5000, 10000, "B", "满5000分升级"])
    first.append(["判断", "积分可以兑换现金。", None, None, None, "错", None])
    first.append(["单选", "答案超出选项？", "a", "b", None, "D", None])  # row 6: bad
    second = workbook.create_sheet("Returns")
    second.append(["Topic", "Type", "Question", "Answer"])
    second.append(["Returns", "short", "What do you check first on a returned item?", "receipt"])
    second.append(["Returns", "tf", "", "true"])  # row 3: bad
    workbook.create_sheet("空白")  # empty sheets are skipped
    path = tmp_path / "bank.xlsx"
    workbook.save(path)

    result = import_bank(path, default_topic="默认")
    questions = by_stem(result)
    assert len(questions) == 3
    upgrade = questions["银卡升级金卡需要多少积分？"]
    assert (upgrade.topic, upgrade.options, upgrade.correct_option) == (
        "默认",
        ["1000", "5000", "10000"],
        "5000",
    )
    assert questions["积分可以兑换现金。"].answer_index == 1
    returned = questions["What do you check first on a returned item?"]
    assert (returned.topic, returned.answers) == ("Returns", ["receipt"])
    assert [(p.line, p.message) for p in result.problems] == [
        (6, "sheet '会员': answer 'D' is not one of the options"),
        (3, "sheet 'Returns': the question is empty"),
    ]


def test_a_renamed_or_corrupt_xlsx_is_one_problem(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "bank.xlsx", "not a zip at all"))
    assert result.questions == []
    assert len(result.problems) == 1
    assert result.problems[0].line == 0
    assert "not a valid Excel" in result.problems[0].message


# --------------------------------------------------------------------------- YAML

YAML_BANK = """\
topic: 会员权益
questions:
  - type: mc
    question: 会员积分有效期是多久？
    options: [6个月, 1年, 2年, 永久]
    answer: B
    explanation: 积分自获得之日起1年内有效
    source: docs/会员手册.md
  - 题型: 判断
    题目: 会员生日当月可享双倍积分。
    答案: 对
  - topic: 退换货
    type: short
    question: 无理由退货期限是几天？
    answer: [7天, 七天]
  - question: Is the standard warranty two years?
    answer: no
  - question: 只有一个选项
    options: [唯一]
    answer: A
  - just a string, not a question
  - question: Which card gives free delivery?
    options: {A: Silver, B: Gold}
    answer: Gold
  - type: mc
    question: Answer outside the options?
    options: [x, y]
    answer: Z
"""


def test_yaml_layout_imports_every_kind_and_reports_bad_items_by_line(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "bank.yaml", YAML_BANK))
    questions = by_stem(result)
    assert len(questions) == 5

    mc = questions["会员积分有效期是多久？"]
    assert (mc.topic, mc.kind, mc.correct_option, mc.source_path) == (
        "会员权益",
        "multiple_choice",
        "1年",
        "docs/会员手册.md",
    )
    tf = questions["会员生日当月可享双倍积分。"]
    assert (tf.topic, tf.kind, tf.options, tf.answer_index) == ("会员权益", "true_false", ["对", "错"], 0)
    short = questions["无理由退货期限是几天？"]
    assert (short.topic, short.kind, short.answers) == ("退换货", "short_answer", ["7天", "七天"])
    # YAML reads `no` as false: an untyped question with a true/false answer is true/false
    warranty = questions["Is the standard warranty two years?"]
    assert (warranty.kind, warranty.options, warranty.answer_index) == (
        "true_false",
        ["True", "False"],
        1,
    )
    card = questions["Which card gives free delivery?"]
    assert (card.options, card.answer_index) == (["Silver", "Gold"], 1)

    assert [(p.line, p.message) for p in result.problems] == [
        (18, "a multiple-choice question needs 2 to 12 options, found 1"),
        (21, "expected a question with 'question:' and 'answer:' keys"),
        (25, "answer 'Z' is not one of the options"),
    ]


def test_yaml_plain_list_and_syntax_error(tmp_path: Path) -> None:
    plain = "- question: 试衣间最多带几件？\n  answer: 3件|三件\n  topic: 试衣间\n"
    result = import_bank(write(tmp_path / "list.yml", plain))
    assert [(q.kind, q.topic, q.answers) for q in result.questions] == [
        ("short_answer", "试衣间", ["3件", "三件"])
    ]

    broken = "questions:\n  - question: 好题\n    answer: [unclosed\n"
    result = import_bank(write(tmp_path / "broken.yaml", broken))
    assert result.questions == []
    assert len(result.problems) == 1
    assert result.problems[0].message.startswith("not valid YAML")
    assert result.problems[0].line >= 3


# --------------------------------------------------------------------------- GIFT

GIFT_BANK = """\
// 门店培训题库 (comments are ignored)
$CATEGORY: $course$/top/门店培训/会员权益

::积分有效期::会员积分有效期是多久？{
  ~6个月
  =1年#积分自获得之日起1年内有效
  ~2年
  ~永久
}

::生日积分:: 会员生日当月可享双倍积分。{T}

积分可以兑换现金。{FALSE#错：积分只能兑换礼品#对}

无理由退货期限是几天？{=7天 =七天 ####自签收之日起计算}

$CATEGORY: $course$/top/Returns

What must a customer show to return an item? {=receipt =the receipt}

Grant is {~buried =entombed ~living} in Grant's tomb.
"""


def test_gift_multiple_choice_true_false_short_answer_and_categories(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "bank.gift", GIFT_BANK))
    assert result.problems == []
    questions = by_stem(result)
    assert len(questions) == 6

    mc = questions["会员积分有效期是多久？"]
    assert (mc.topic, mc.kind, mc.options, mc.answer_index, mc.explanation) == (
        "会员权益",
        "multiple_choice",
        ["6个月", "1年", "2年", "永久"],
        1,
        "积分自获得之日起1年内有效",
    )
    birthday = questions["会员生日当月可享双倍积分。"]
    assert (birthday.kind, birthday.options, birthday.answer_index) == ("true_false", ["对", "错"], 0)
    cash = questions["积分可以兑换现金。"]
    assert (cash.answer_index, cash.explanation) == (1, "对")  # the right-answer feedback
    short = questions["无理由退货期限是几天？"]
    assert (short.kind, short.answers, short.explanation) == (
        "short_answer",
        ["7天", "七天"],
        "自签收之日起计算",
    )
    receipt = questions["What must a customer show to return an item?"]
    assert (receipt.topic, receipt.answers) == ("Returns", ["receipt", "the receipt"])
    missing_word = questions["Grant is ____ in Grant's tomb."]
    assert missing_word.correct_option == "entombed"


def test_gift_escaped_characters(tmp_path: Path) -> None:
    text = (
        "::Price\\: match:: 价格\\{保护\\}规则\\: 差价 \\= 退款 \\~ 积分 \\# 1?"
        "{=差价\\=退款 #对\\#1 ~补\\~积分 ~不退\\}}\n"
    )
    result = import_bank(write(tmp_path / "escapes.gift", text), default_topic="价格")
    assert result.problems == []
    [question] = result.questions
    assert question.stem == "价格{保护}规则: 差价 = 退款 ~ 积分 # 1?"
    assert question.options == ["差价=退款", "补~积分", "不退}"]
    assert question.answer_index == 0
    assert question.explanation == "对#1"
    assert question.topic == "价格"


def test_unsupported_gift_types_are_reported_with_their_line(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "// line 1",
            "How many days to return? {#7}",  # 2 numeric
            "",
            "Match the card to its discount. {",  # 4 matching
            "  =银卡 -> 95折",
            "  =金卡 -> 9折",
            "}",
            "",
            "Describe your greeting. {}",  # 9 essay
            "",
            "Which two are colours? {~%50%red ~%50%blue ~%-100%dog}",  # 11 multiple answers
            "",
            "会员日是每月几号？{=8号}",  # 13 good
            "",
            "No answer block here.",  # 15 description
        ]
    )
    result = import_bank(write(tmp_path / "bank.gift", text))
    assert [q.stem for q in result.questions] == ["会员日是每月几号？"]
    assert [(p.line, p.message) for p in result.problems][:3] == [
        (2, "unsupported GIFT question type (numeric)"),
        (4, "unsupported GIFT question type (matching)"),
        (9, "unsupported GIFT question type (essay)"),
    ]
    assert problem_lines(result)[3:] == [11, 15]
    assert "multiple-answer" in result.problems[3].message


# --------------------------------------------------------------------------- Aiken

AIKEN_BANK = """\
会员积分有效期是多久？
A. 6个月
B. 1年
C. 2年
D. 永久
ANSWER: B

What is the return window for unworn shoes?
A) 7 days
Ｂ．14 days
C) 30 days
ANSWER: C

Which form is used for returns?
A. RMA form
C. Receipt
ANSWER: A

Answer outside the options?
A. x
B. y
ANSWER: D

A question that never gives its answer
A. yes
B. no
Next question still imports?
A) 对
B) 错
ANSWER: a
"""


def test_aiken_both_option_styles_and_bad_questions(tmp_path: Path) -> None:
    result = import_bank(write(tmp_path / "bank.txt", AIKEN_BANK), default_topic="培训")
    questions = by_stem(result)
    assert len(questions) == 3
    points = questions["会员积分有效期是多久？"]
    assert (points.topic, points.options, points.correct_option) == (
        "培训",
        ["6个月", "1年", "2年", "永久"],
        "1年",
    )
    shoes = questions["What is the return window for unworn shoes?"]
    assert (shoes.options, shoes.answer_index) == (["7 days", "14 days", "30 days"], 2)
    # 对/错 options make a true/false question
    still = questions["Next question still imports?"]
    assert (still.kind, still.options, still.answer_index) == ("true_false", ["True", "False"], 0)
    assert [(p.line, p.message) for p in result.problems] == [
        (14, "option C where option B was expected"),
        (19, "answer 'D' is not one of the options"),
        (24, "no 'ANSWER:' line after the options"),
    ]


def test_txt_format_is_detected_or_given(tmp_path: Path) -> None:
    aiken = write(tmp_path / "a.txt", "Q?\nA. x\nB. y\nANSWER: A\n")
    gift = write(tmp_path / "g.txt", "试衣间最多带几件？{=3件 =三件}\n")
    neither = write(tmp_path / "notes.txt", "只是一段培训笔记。\n")
    assert [q.kind for q in import_bank(aiken).questions] == ["multiple_choice"]
    assert [q.answers for q in import_bank(gift).questions] == [["3件", "三件"]]
    result = import_bank(neither)
    assert result.questions == [] and len(result.problems) == 1
    # An explicit format wins over the file name.
    forced = write(tmp_path / "bank.dat", "Q?\nA. x\nB. y\nANSWER: B\n")
    assert [q.correct_option for q in import_bank(forced, format="aiken").questions] == ["y"]


# --------------------------------------------------------------------------- duplicates


def test_duplicates_are_merged_across_files_and_formats(tmp_path: Path) -> None:
    csv_bank = write(
        tmp_path / "a.csv",
        "题目,选项A,选项B,选项C,答案,出处\n"
        "会员积分有效期是多久？,6个月,1年,2年,B,docs/会员手册.md\n"
        "无理由退货期限是几天？,,,,7天,\n"
        "Is a receipt required?,,,,true,\n",
    )
    gift_bank = write(
        tmp_path / "b.gift",
        "$CATEGORY: 会员权益\n\n"
        # full-width spaces, a traditional character, another right answer's options
        "会员积分　有效期 是多久?{~半年 =1年#一年内有效 ~三年}\n\n"
        "无理由退货期限是几天？{=七天 =7天}\n\n"
        "IS A RECEIPT  REQUIRED?{T}\n\n"
        # same stem, a different right answer: not a duplicate
        "会员积分有效期是多久？{=2年 ~1年}\n",
    )
    aiken_bank = write(tmp_path / "c.txt", "會員積分有效期是多久？\nA. 1年\nB. 3年\nANSWER: A\n")
    result = import_banks([csv_bank, gift_bank, aiken_bank])
    assert result.problems == []
    assert result.duplicates_merged == 4
    assert len(result.questions) == 4

    points = result.questions[0]
    assert points.options == ["6个月", "1年", "2年"]  # the first one is kept
    assert points.topic == "会员权益"  # an explicit topic replaces the file-name fallback
    assert points.explanation == "一年内有效"  # filled in from the duplicate
    assert points.source_path == "docs/会员手册.md"
    returns = result.questions[1]
    assert returns.answers == ["7天", "七天"]  # accepted answers combined
    assert result.questions[2].kind == "true_false"
    assert result.questions[3].correct_option == "2年"

    # duplicates inside one file are merged too
    twice = write(tmp_path / "twice.csv", "question,answer\n试穿几件？,3件\n试穿几件? ,3件\n")
    single = import_bank(twice)
    assert (len(single.questions), single.duplicates_merged) == (1, 1)


# --------------------------------------------------------------------------- whole files


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.yaml", b"   \n\n", "the file is empty"),
        ("bank.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "save it as .xlsx"),
        ("binary.gift", bytes(range(256)) * 20, "not readable text"),
        ("questions.yaml", b"questions: []\n", "no questions"),
    ],
)
def test_unreadable_or_empty_files_are_one_problem(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = import_bank(path)
    assert result.questions == []
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.path == str(path)
    assert problem.line == 0
    assert expected in problem.message


def test_a_missing_file_does_not_stop_the_others(tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", "question,answer\n门店几点开门？,10点\n")
    result = import_banks([tmp_path / "missing.csv", good])
    assert [q.stem for q in result.questions] == ["门店几点开门？"]
    assert result.questions[0].topic == "good"  # no topic anywhere: the file's name
    assert [str(p) for p in result.problems] == [f"{tmp_path / 'missing.csv'}: no such file"]


def test_problem_reads_as_one_line() -> None:
    assert str(ImportProblem("bank.csv", 7, "answer 'E' is not one of the options")) == (
        "bank.csv:7: answer 'E' is not one of the options"
    )
    assert str(ImportProblem("bank.csv", 0, "the file is empty")) == "bank.csv: the file is empty"


def test_ids_are_stable_across_imports(tmp_path: Path) -> None:
    path = write(tmp_path / "bank.gift", GIFT_BANK)
    first = [q.id for q in import_bank(path).questions]
    assert first == [q.id for q in import_bank(path).questions]
    assert len(set(first)) == len(first)
