"""Import trainers' own question banks: YAML, CSV, XLSX, Moodle GIFT and Aiken.

`import_bank(path)` reads one file, `import_banks(paths)` several; both return every
question that passed validation, one `ImportProblem` ("bank.csv:7: answer 'E' is not one
of the options") for each row or question that did not, and how many duplicates were
merged. Bad input never raises: an unreadable, empty or unknown file is one problem.

## Question bank layout (YAML, CSV, XLSX)

One question per row (CSV/XLSX) or per list item (YAML). Columns (keys) in English or
Chinese, in any order; case, spaces and `_` in the header do not matter.

| column | also accepted | content |
| --- | --- | --- |
| `topic` | 主题, 专题, 知识点, 分类 | the topic for `/quiz 主题` (optional) |
| `type` | 题型, 类型 | `mc` (单选), `tf` (判断) or `short` (简答/填空); optional: guessed from the options and the answer |
| `question` | 题目, 题干, 问题 | the question (required) |
| `option_a` .. `option_f` | 选项A .. 选项F, A .. F | the options of a multiple-choice question: 2 to 12 (up to `option_l`), no gaps; YAML: `options:` as a list |
| `answer` | 答案, 正确答案 | mc: the letter (`B`) or the option's text; tf: true/false, 对/错, 正确/错误, T/F, √/×; short: the answer, or several accepted answers separated by `\\|` (`7天\\|七天`; YAML: a list) |
| `explanation` | 解析, 答案解析, 说明 | shown after the answer (optional) |
| `source` | 出处, 来源 | the document the answer comes from (optional) |

CSV: any encoding (UTF-8, GBK/GB18030, UTF-16...), delimiter `,` `;` or tab.
XLSX: every sheet is read; the header row may sit below a title row.

```csv
主题,题型,题目,选项A,选项B,选项C,选项D,答案,解析,出处
会员权益,mc,会员积分有效期是多久？,6个月,1年,2年,永久,B,积分自获得之日起1年内有效,会员手册.md
会员权益,tf,会员生日当月可享双倍积分。,,,,,对,,会员手册.md
退换货,short,无理由退货期限是几天？,,,,,7天|七天,,退换货SOP.docx
```

The same in YAML (a plain list of questions works too; a top-level `topic` is the
default for questions without one):

```yaml
topic: 会员权益
questions:
  - type: mc
    question: 会员积分有效期是多久？
    options: [6个月, 1年, 2年, 永久]
    answer: B
    explanation: 积分自获得之日起1年内有效
    source: 会员手册.md
  - type: tf
    question: 会员生日当月可享双倍积分。
    answer: 对
  - topic: 退换货
    type: short
    question: 无理由退货期限是几天？
    answer: [7天, 七天]
```

## Moodle GIFT and Aiken

GIFT (`.gift`, or `.txt`) as Moodle documents it: multiple choice `{=right ~wrong ~wrong}`,
true/false `{T}` `{F}` `{TRUE}` `{FALSE}`, short answer `{=answer =another}`, an optional
`::title::`, `// comment` lines, `#feedback` (the right answer's, or the general
`####feedback`, becomes the explanation), `$CATEGORY: $course$/top/门店培训/会员权益` (its
last part, 会员权益, becomes the topic of the questions after it) and the escapes
`\\~ \\= \\# \\{ \\} \\:`. Matching, numeric, essay and multiple-answer questions are
reported as unsupported. Questions are separated by a blank line.

Aiken (`.txt`): the question on one line, the options `A. ...` or `A) ...` (also `A、`
and full-width `Ａ．`), then `ANSWER: B`; a blank line between questions. Aiken has
multiple choice only.

## Rules

Every question is checked: a question text; 2 to 12 different options for multiple
choice; an answer among the options. A multiple-choice question whose two options are
true/false (对/错) becomes a true/false question; true/false options are 对/错 for
Chinese questions and True/False for English ones. A question without a topic gets
`default_topic`, else the bank file's name (`会员.csv` -> 会员). A bad row or question is
reported with its file and 1-based line (XLSX: the sheet's row, sheet named) and the
others still import. Duplicates (same question and same right answer, ignoring spaces,
full/half width, case, traditional/simplified characters and final punctuation) are
merged, within a file and across files: the first is kept, and a duplicate fills in an
explicit topic, an explanation or a source it lacks; short answers that share an
accepted answer are merged and their accepted answers combined.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.quiz.model import QuestionKind, QuizQuestion
from ingest.document import LoadError
from ingest.loaders.isolated import shared_loader
from ingest.loaders.sheet_file import cell_text, open_workbook
from ingest.loaders.text_file import decode_bytes
from ingest.normalize import for_matching, has_cjk

BankFormat = Literal["yaml", "csv", "xlsx", "gift", "aiken"]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MIN_OPTIONS, MAX_OPTIONS = 2, 12
LETTERS = "ABCDEFGHIJKL"
HEADER_SCAN_ROWS = 20


@dataclass
class ImportProblem:
    path: str
    line: int  # 1-based; 0 when the problem is the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass
class ImportResult:
    questions: list[QuizQuestion] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    duplicates_merged: int = 0


class _RowError(Exception):
    """One row or question that cannot be imported; the message is shown as is."""


@dataclass
class _Draft:
    """A question as read from a file, before validation."""

    line: int
    stem: str
    kind: QuestionKind
    topic: str = ""
    options: list[str] = field(default_factory=list)
    answer_index: int | None = None
    answers: list[str] = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    sheet: str = ""


# --------------------------------------------------------------------------- public API


def import_bank(
    path: Path, *, default_topic: str | None = None, format: BankFormat | None = None
) -> ImportResult:
    """Import one bank file; the format comes from the extension unless given."""
    return import_banks([path], default_topic=default_topic, format=format)


def import_banks(
    paths: Iterable[Path], *, default_topic: str | None = None, format: BankFormat | None = None,
    limits: tuple[float, int] | None = None,
) -> ImportResult:
    """Import several bank files; duplicates are merged within and across them.
    `limits` (seconds, MB): each file is parsed in the isolated loader process under
    them (ingest/loaders/isolated.py), as content files are; None parses here."""
    merger = _Merger()
    problems: list[ImportProblem] = []
    for path in paths:
        path = Path(path)
        name = str(path)
        try:
            if limits is None:
                entries = _read_file(path, format)
            else:
                entries = shared_loader(*limits).call("bot.quiz.importers:_read_file", path, format)  # type: ignore[assignment]
        except LoadError as exc:
            problems.append(ImportProblem(name, 0, str(exc)))
            continue
        except Exception as exc:  # never let one bad file stop the import
            problems.append(ImportProblem(name, 0, f"cannot read the file: {exc}"))
            continue
        fallback_topic = default_topic or path.name.split(".")[0] or "imported"
        for draft in entries:
            if isinstance(draft, tuple):
                problems.append(ImportProblem(name, *draft))
                continue
            try:
                question = _validate(draft, fallback_topic)
            except _RowError as exc:
                message = f"sheet '{draft.sheet}': {exc}" if draft.sheet else str(exc)
                problems.append(ImportProblem(name, draft.line, message))
                continue
            merger.add(question, topic_given=bool(draft.topic.strip()))
    return ImportResult(merger.questions, problems, merger.merged)


def detect_format(path: Path, text: str | None = None) -> BankFormat | None:
    """The bank format from the file name, or for .txt from what the text looks like."""
    name = path.name.lower()
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".gift" or name.endswith(".gift.txt"):
        return "gift"
    if suffix == ".aiken" or name.endswith(".aiken.txt"):
        return "aiken"
    if suffix == ".txt" and text is not None:
        if _AIKEN_SHAPE.search(text):
            return "aiken"
        if _GIFT_SHAPE.search(text):
            return "gift"
    return None


# --------------------------------------------------------------------------- reading files

# What a reader gives back, in file order: a draft to validate, or (line, problem).
_Entry = _Draft | tuple[int, str]


def _read_file(path: Path, format: BankFormat | None) -> list[_Entry]:
    if not path.exists():
        raise LoadError("no such file")
    if not path.is_file():
        raise LoadError("not a file")
    size = path.stat().st_size
    if size == 0:
        raise LoadError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise LoadError(f"the file is too large ({size // 1_000_000} MB) for a question bank")
    if path.suffix.lower() == ".xls" and format is None:
        raise LoadError("old Excel .xls files are not supported: save it as .xlsx")
    kind = format or detect_format(path)
    if kind == "xlsx":
        entries = _read_xlsx(path)
    else:
        if kind is None and path.suffix.lower() not in (".txt", ""):
            raise LoadError(
                f"unsupported file type '{path.suffix}': "
                "use .yaml, .csv, .xlsx, .gift or an Aiken .txt"
            )
        text = decode_bytes(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
        kind = kind or detect_format(path, text)
        if kind == "yaml":
            entries = _read_yaml(text)
        elif kind == "csv":
            entries = _read_csv(text)
        elif kind == "gift":
            entries = _read_gift(text)
        elif kind == "aiken":
            entries = _read_aiken(text)
        else:
            raise LoadError("not a GIFT or Aiken question file (no {answers} and no 'ANSWER:' lines)")
    if not entries:
        raise LoadError("the file has no questions")
    return entries


# --------------------------------------------------------------------------- table layout

_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "topic": ("topic", "主题", "专题", "知识点", "分类", "category", "类别"),
    "type": ("type", "题型", "类型", "questiontype", "kind"),
    "question": ("question", "题目", "题干", "问题", "stem", "试题"),
    "answer": ("answer", "答案", "正确答案", "参考答案", "answers", "key", "标准答案"),
    "explanation": ("explanation", "解析", "答案解析", "说明", "feedback", "解释"),
    "source": ("source", "出处", "来源", "sourcepath", "依据"),
}
_HEADER_ALIASES: dict[str, str] = {
    alias: column for column, aliases in _COLUMN_NAMES.items() for alias in aliases
}
for _i, _letter in enumerate(LETTERS):
    for _alias in (f"option{_letter}", f"选项{_letter}", _letter, f"option{_i + 1}", f"选项{_i + 1}"):
        _HEADER_ALIASES[_alias.lower()] = f"option_{_letter.lower()}"

_TYPE_NAMES: list[tuple[str, QuestionKind | None]] = [
    ("mc multiplechoice choice 单选 单选题 选择 选择题 单项选择 单项选择题", "multiple_choice"),
    ("tf truefalse 判断 判断题 是非 是非题 对错", "true_false"),
    ("short shortanswer 简答 简答题 填空 填空题 问答 问答题", "short_answer"),
    ("多选 多选题 多项选择 多项选择题 multipleanswer multiselect", None),  # not supported
]
_TYPES: dict[str, QuestionKind | None] = {
    name: kind for names, kind in _TYPE_NAMES for name in names.split()
}

# Words that are unmistakably true/false: a question with no type whose answer is one of
# them is a true/false question, and so is a two-option question whose options are them.
_TF_TRUE = frozenset("true t 对 正确 √ ✓ ✔".split())
_TF_FALSE = frozenset("false f 错 错误 × ✗ ✘".split())
# What an explicit tf answer may also say.
_TRUE = _TF_TRUE | frozenset("yes y 是 对的 1".split())
_FALSE = _TF_FALSE | frozenset("no n 否 错的 不对 x 0".split())


def _header_key(cell: str) -> str:
    return re.sub(r"[\s_\-:：.]+", "", unicodedata.normalize("NFKC", cell)).lower()


def _find_header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[int, str]] | None:
    """Position in `rows` of the header row and its column map, looking a few rows down."""
    for position, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        for index, cell in enumerate(cells):
            column = _HEADER_ALIASES.get(_header_key(cell))
            if column and column not in columns.values():
                columns[index] = column
        if "question" in columns.values() and "answer" in columns.values():
            return position, columns
    return None


def _table_entries(rows: list[tuple[int, list[str]]], sheet: str = "") -> list[_Entry]:
    where = f"sheet '{sheet}': " if sheet else ""
    rows = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not rows:
        return []
    found = _find_header(rows)
    if found is None:
        message = (
            f"{where}no header row with a question (题目) and an answer (答案) column "
            f"in the first {HEADER_SCAN_ROWS} rows"
        )
        return [(rows[0][0], message)]
    position, columns = found
    entries: list[_Entry] = []
    for line, cells in rows[position + 1 :]:
        record = {column: cells[i].strip() if i < len(cells) else "" for i, column in columns.items()}
        try:
            entries.append(
                _draft_from_record(
                    line,
                    topic=record.get("topic", ""),
                    type_=record.get("type", ""),
                    stem=record.get("question", ""),
                    options=[record.get(f"option_{letter.lower()}", "") for letter in LETTERS],
                    answer=record.get("answer", ""),
                    explanation=record.get("explanation", ""),
                    source=record.get("source", ""),
                    sheet=sheet,
                )
            )
        except _RowError as exc:
            entries.append((line, f"{where}{exc}"))
    return entries


def _draft_from_record(
    line: int,
    *,
    topic: str,
    type_: str,
    stem: str,
    options: list[str],
    answer: str | list[str],
    explanation: str = "",
    source: str = "",
    sheet: str = "",
) -> _Draft:
    """A row of the documented layout as a draft; raises _RowError for what cannot be read."""
    stem = stem.strip()
    if not stem:
        raise _RowError("the question is empty")
    options = [o.strip() for o in options]
    while options and not options[-1]:
        options.pop()
    for index, option in enumerate(options):
        if not option:
            later = LETTERS[len(options) - 1]
            raise _RowError(f"option {LETTERS[index]} is empty but option {later} is not")
    answers = [a.strip() for a in answer] if isinstance(answer, list) else [answer.strip()]
    answers = [a for a in answers if a]
    if not answers:
        raise _RowError("the answer is empty")

    kind: QuestionKind | None
    type_key = _header_key(type_)
    if type_key:
        if type_key not in _TYPES:
            raise _RowError(f"unknown question type '{type_}': use mc, tf or short")
        kind = _TYPES[type_key]
        if kind is None:
            raise _RowError("multiple-answer (多选) questions are not supported")
    elif options:
        kind = "multiple_choice"
    elif len(answers) == 1 and _truth(answers[0], strict=True) is not None:
        kind = "true_false"
    else:
        kind = "short_answer"

    draft = _Draft(
        line=line,
        stem=stem,
        kind=kind,
        topic=topic.strip(),
        explanation=explanation.strip(),
        source=source.strip(),
        sheet=sheet,
    )
    if kind == "multiple_choice":
        if len(answers) != 1:
            raise _RowError("a multiple-choice question takes one answer")
        draft.options = options
        draft.answer_index = _choice_index(answers[0], options)
    elif kind == "true_false":
        truth = _truth(answers[0]) if len(answers) == 1 else None
        if truth is None and options and len(answers) == 1:  # options 对/错 and answer "B"
            truth = _truth(options[_choice_index(answers[0], options)])
        if truth is None:
            raise _RowError(f"answer '{'|'.join(answers)}' is not true/false (对/错)")
        draft.answer_index = 0 if truth else 1
    else:
        accepted: list[str] = []
        for item in answers:
            for part in re.split(r"[|｜]", item):
                part = part.strip()
                if part and part not in accepted:
                    accepted.append(part)
        if not accepted:
            raise _RowError("the answer is empty")
        draft.answers = accepted
    return draft


def _truth(answer: str, *, strict: bool = False) -> bool | None:
    key = unicodedata.normalize("NFKC", answer).strip().lower().rstrip("。.!！")
    if key in (_TF_TRUE if strict else _TRUE):
        return True
    if key in (_TF_FALSE if strict else _FALSE):
        return False
    return None


def _choice_index(answer: str, options: list[str]) -> int:
    letter = unicodedata.normalize("NFKC", answer).strip().rstrip(".、)").upper()
    if len(letter) == 1 and letter in LETTERS:
        index = LETTERS.index(letter)
        if index >= len(options):
            raise _RowError(f"answer '{answer}' is not one of the options")
        return index
    if re.fullmatch(r"[A-L](\s*[,，、/]?\s*[A-L])+", letter):
        raise _RowError(f"answer '{answer}': multiple-answer questions are not supported")
    wanted = _norm(answer)
    for index, option in enumerate(options):
        if _norm(option) == wanted:
            return index
    raise _RowError(f"answer '{answer}' is not one of the options")


def _read_csv(text: str) -> list[_Entry]:
    """The delimiter that gives the fullest header wins (the sniffer's guess first)."""
    best: tuple[int, list[tuple[int, list[str]]], tuple[int, str] | None] | None = None
    for delimiter in _delimiters(text):
        rows, error = _csv_rows(text, delimiter)
        found = _find_header(rows)
        score = len(found[1]) if found else 0
        if best is None or score > best[0]:
            best = (score, rows, error)
    assert best is not None
    _, rows, error = best
    entries = _table_entries(rows)
    return [*entries, error] if error else entries


def _delimiters(text: str) -> list[str]:
    candidates = [",", "\t", ";"]
    try:
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return candidates
    return [sniffed, *(c for c in candidates if c != sniffed)]


def _csv_rows(
    text: str, delimiter: str
) -> tuple[list[tuple[int, list[str]]], tuple[int, str] | None]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if len(rows) >= MAX_ROWS:
                return rows, (start, f"more than {MAX_ROWS} rows: the rest was not read")
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        return rows, (start, f"cannot read the CSV from here on: {exc}")
    return rows, None


def _read_xlsx(path: Path) -> list[_Entry]:
    workbook = open_workbook(path)
    entries: list[_Entry] = []
    try:
        for sheet in workbook.worksheets:
            rows: list[tuple[int, list[str]]] = []
            too_many: _Entry | None = None
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if len(rows) >= MAX_ROWS:
                    too_many = (number, f"sheet '{sheet.title}': more than {MAX_ROWS} rows")
                    break
                rows.append((number, [cell_text(v) for v in values]))
            entries.extend(_table_entries(rows, sheet.title))
            if too_many:
                entries.append(too_many)
    finally:
        workbook.close()
    return entries


# --------------------------------------------------------------------------- YAML

_YAML_KEYS: dict[str, str] = {
    **_HEADER_ALIASES,
    "options": "options",
    "选项": "options",
    "choices": "options",
    "questions": "questions",
    "题目列表": "questions",
    "题库": "questions",
    "items": "questions",
}


def _read_yaml(text: str) -> list[_Entry]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return [(mark.line + 1 if mark is not None else 0, f"not valid YAML: {problem}")]
    finally:
        loader.dispose()
    if root is None:
        raise LoadError("the file is empty")

    default_topic = ""
    items: yaml.Node | None = root
    if isinstance(root, yaml.MappingNode):
        items = None
        for key_node, value_node in root.value:
            key = _YAML_KEYS.get(_header_key(str(key_node.value)))
            if key == "questions":
                items = value_node
            elif key == "topic" and isinstance(value_node, yaml.ScalarNode):
                default_topic = str(value_node.value)
        if items is None:
            return [(root.start_mark.line + 1, "no 'questions:' list in the file")]
    assert items is not None
    if not isinstance(items, yaml.SequenceNode):
        return [(items.start_mark.line + 1, "expected a list of questions")]

    entries: list[_Entry] = []
    for node in items.value:
        line = node.start_mark.line + 1
        try:
            entries.append(_yaml_draft(node, line, default_topic))
        except _RowError as exc:
            entries.append((line, str(exc)))
    return entries


def _yaml_draft(node: yaml.Node, line: int, default_topic: str) -> _Draft:
    if not isinstance(node, yaml.MappingNode):
        raise _RowError("expected a question with 'question:' and 'answer:' keys")
    try:
        value = yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise _RowError(f"cannot read this question: {exc}") from None
    record: dict[str, Any] = {}
    for key, item in value.items():
        column = _YAML_KEYS.get(_header_key(str(key)))
        if column:
            record[column] = item
    raw_options = record.get("options")
    if isinstance(raw_options, list):
        options = [_scalar(o) for o in raw_options]
    elif isinstance(raw_options, dict):
        by_letter = {_header_key(str(k)).upper(): _scalar(v) for k, v in raw_options.items()}
        options = [by_letter.get(letter, "") for letter in LETTERS]
    elif raw_options is not None:
        raise _RowError("options must be a list")
    else:
        options = [_scalar(record.get(f"option_{letter.lower()}")) for letter in LETTERS]
    raw_answer = record.get("answer")
    answer: str | list[str]
    answer = [_scalar(a) for a in raw_answer] if isinstance(raw_answer, list) else _scalar(raw_answer)
    return _draft_from_record(
        line,
        topic=_scalar(record.get("topic")) or default_topic,
        type_=_scalar(record.get("type")),
        stem=_scalar(record.get("question")),
        options=options,
        answer=answer,
        explanation=_scalar(record.get("explanation")),
        source=_scalar(record.get("source")),
    )


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise _RowError(f"expected text, found {'a list' if isinstance(value, list) else 'a mapping'}")
    return cell_text(value)


# --------------------------------------------------------------------------- Moodle GIFT

_GIFT_SHAPE = re.compile(r"\{[^{}]*[=~][^{}]*\}|\{\s*(T|F|TRUE|FALSE)\s*\}|^::|^\$CATEGORY:", re.M)
# Escaped characters are swapped for private-use stand-ins while the structure is parsed.
_GIFT_ESCAPES = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004",
                 ":": "\ue005", "\\": "\ue006"}  # fmt: skip
_GIFT_RESTORE = str.maketrans({v: k for k, v in _GIFT_ESCAPES.items()})
_GIFT_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_GIFT_TF = ("T", "F", "TRUE", "FALSE")
_HTML_TAG = re.compile(r"<[^>]+>")


def _gift_protect(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        return "\n" if char == "n" else _GIFT_ESCAPES.get(char, "\\" + char)

    return re.sub(r"\\(.)", swap, text)


def _gift_text(text: str, markup: str = "") -> str:
    text = text.translate(_GIFT_RESTORE)
    if markup == "html":
        text = html.unescape(_HTML_TAG.sub("", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _read_gift(text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    topic = ""
    for lines in _gift_blocks(text):
        while lines and lines[0][1].lstrip().upper().startswith("$CATEGORY:"):
            topic = _gift_category(lines[0][1].split(":", 1)[1])
            lines = lines[1:]
        if not lines:
            continue
        start = lines[0][0]
        try:
            entries.append(_gift_question(start, "\n".join(line for _, line in lines), topic))
        except _RowError as exc:
            entries.append((start, str(exc)))
    return entries


def _gift_blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Questions are separated by blank lines; `//` comment lines are dropped."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield block
                block = []
            continue
        block.append((number, line))
    if block:
        yield block


def _gift_category(path: str) -> str:
    """`$course$/top/门店培训/会员权益` -> 会员权益 (Moodle writes a '/' in a name as '//')."""
    parts = [p.replace("\x00", "/").strip() for p in path.replace("//", "\x00").split("/")]
    skip = ("$course$", "$system$", "$module$", "$cat1$", "top")
    parts = [p for p in parts if p and p not in skip]
    return parts[-1] if parts else ""


def _gift_question(line: int, raw: str, topic: str) -> _Draft:
    text = _gift_protect(raw).strip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _RowError("the ::title:: is not closed")
        text = text[end + 2 :].lstrip()
    markup = ""
    if m := re.match(r"\[(html|moodle|plain|markdown)\]", text):
        markup = m.group(1)
        text = text[m.end() :]
    opening = text.find("{")
    if opening < 0:
        raise _RowError("no answer block {...}: descriptions are not questions")
    closing = text.find("}", opening)
    if closing < 0:
        raise _RowError("the answer block { is not closed with }")
    before, body, after = text[:opening], text[opening + 1 : closing], text[closing + 1 :]
    if "{" in body or "{" in after:
        raise _RowError(
            "more than one answer block: separate questions with a blank line, or escape { as \\{"
        )
    stem = _gift_text(before, markup)
    tail = _gift_text(after, markup)
    if tail:  # "missing word": the answer block sits inside the sentence
        stem = f"{stem}____{tail}" if has_cjk(stem + tail) else f"{stem} ____ {tail}"
    if not stem:
        raise _RowError("the question is empty")

    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        general = _gift_text(general, markup)
    content = body.strip()
    if not content:
        raise _RowError("unsupported GIFT question type (essay)")
    if content.startswith("#"):
        raise _RowError("unsupported GIFT question type (numeric)")

    head, *feedbacks = content.split("#")
    if head.strip().upper() in _GIFT_TF:
        # {TRUE#shown when answered wrong#shown when answered right}
        wrong, right = (*feedbacks, "", "")[:2]
        return _Draft(
            line=line,
            stem=stem,
            kind="true_false",
            topic=topic,
            answer_index=0 if head.strip().upper().startswith("T") else 1,
            explanation=general or _gift_text(right, markup) or _gift_text(wrong, markup),
        )

    if content[0] not in "=~":
        raise _RowError("cannot read the answer block: answers start with = (right) or ~ (wrong)")
    answers = re.findall(r"([=~])([^=~]*)", content)
    if any("->" in answer for _, answer in answers):
        raise _RowError("unsupported GIFT question type (matching)")

    options: list[str] = []
    rights: list[int] = []
    right_feedback = ""
    partial = False
    for mark, answer in answers:
        answer_text, _, feedback = answer.partition("#")
        answer_text = answer_text.strip()
        weight = 100.0 if mark == "=" else 0.0
        if w := _GIFT_WEIGHT.match(answer_text):
            weight = float(w.group(1))
            answer_text = answer_text[w.end() :].strip()
        if weight >= 100:
            rights.append(len(options))
            right_feedback = right_feedback or _gift_text(feedback, markup)
        elif weight > 0:
            partial = True
        options.append(_gift_text(answer_text, markup))
    explanation = general or right_feedback

    if all(mark == "=" for mark, _ in answers):
        accepted = list(dict.fromkeys(options[i] for i in rights if options[i]))
        if not accepted:
            raise _RowError("no fully right answer (=) in the short-answer block")
        return _Draft(line=line, stem=stem, kind="short_answer", topic=topic, answers=accepted,
                      explanation=explanation)  # fmt: skip
    if len(rights) > 1 or (partial and not rights):
        raise _RowError("multiple-answer questions are not supported (one = answer only)")
    if not rights:
        raise _RowError("no right answer: mark it with =")
    if not all(options):
        raise _RowError("an answer in the block is empty")
    return _Draft(line=line, stem=stem, kind="multiple_choice", topic=topic, options=options,
                  answer_index=rights[0], explanation=explanation)  # fmt: skip


# --------------------------------------------------------------------------- Aiken

_AIKEN_OPTION = re.compile(r"^([A-Z])\s*[.)、]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^(?:ANSWER|答案)\s*[:：]\s*(.*?)\s*$", re.I)
_AIKEN_SHAPE = re.compile(r"^\s*ANSWER\s*[:：]\s*[A-Z]\s*$", re.M)


class _AikenQuestion:
    def __init__(self, line: int, stem: str) -> None:
        self.line = line
        self.stem = [stem]
        self.options: list[str] = []
        self.broken = ""  # why it cannot be imported, found before its ANSWER line

    def add_option(self, letter: str, text: str) -> None:
        expected = LETTERS[len(self.options)] if len(self.options) < len(LETTERS) else "?"
        if self.broken:
            return
        if letter != expected:
            self.broken = f"option {letter} where option {expected} was expected"
        elif not text:
            self.broken = f"option {letter} is empty"
        else:
            self.options.append(text)

    def finish(self, answer: str) -> _Entry:
        if self.broken:
            return (self.line, self.broken)
        if not self.options:
            return (self.line, "no options (A. ... B. ...) before the ANSWER line")
        letter = unicodedata.normalize("NFKC", answer).strip().upper()
        if len(letter) != 1 or letter not in LETTERS[: len(self.options)]:
            return (self.line, f"answer '{answer}' is not one of the options")
        return _Draft(line=self.line, stem="\n".join(self.stem), kind="multiple_choice",
                      options=list(self.options), answer_index=LETTERS.index(letter))  # fmt: skip

    def unfinished(self) -> _Entry:
        return (self.line, self.broken or "no 'ANSWER:' line after the options")


def _read_aiken(text: str) -> list[_Entry]:
    """Lenient on layout: blank lines are optional, a question may run over several lines;
    a question without its ANSWER line is reported and the next one still reads."""
    entries: list[_Entry] = []
    current: _AikenQuestion | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if answer := _AIKEN_ANSWER.match(line):
            if current is None:
                entries.append((number, "'ANSWER:' line without a question"))
            else:
                entries.append(current.finish(answer.group(1)))
                current = None
            continue
        # Full-width "Ａ．" reads as "A."
        option = _AIKEN_OPTION.match(unicodedata.normalize("NFKC", line[:2]) + line[2:])
        if current is not None and option:
            current.add_option(option.group(1), option.group(2).strip())
        elif current is not None and not current.options and not current.broken:
            current.stem.append(line)
        else:
            if current is not None:
                entries.append(current.unfinished())
            current = _AikenQuestion(number, line)
    if current is not None:
        entries.append(current.unfinished())
    return entries


# --------------------------------------------------------------------------- validation


def _norm(text: str) -> str:
    """For comparing: width, case, traditional/simplified, spaces and end punctuation."""
    return re.sub(r"\s+", "", for_matching(text)).rstrip("?.!。！？:：;；")


def _validate(draft: _Draft, fallback_topic: str) -> QuizQuestion:
    stem = draft.stem.strip()
    if not stem:
        raise _RowError("the question is empty")
    kind = draft.kind
    options = list(draft.options)
    answer_index = draft.answer_index
    if kind == "multiple_choice":
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise _RowError(
                f"a multiple-choice question needs {MIN_OPTIONS} to {MAX_OPTIONS} options, "
                f"found {len(options)}"
            )
        seen: dict[str, int] = {}
        for index, option in enumerate(options):
            if not option.strip():
                raise _RowError(f"option {LETTERS[index]} is empty")
            key = _norm(option)
            if key in seen:
                raise _RowError(f"options {LETTERS[seen[key]]} and {LETTERS[index]} are the same")
            seen[key] = index
        if answer_index is None or not 0 <= answer_index < len(options):
            raise _RowError("the answer is not one of the options")
        truths = [_truth(o, strict=True) for o in options]
        if len(options) == 2 and None not in truths and truths[0] != truths[1]:
            kind = "true_false"
            answer_index = 0 if truths[answer_index] else 1
    if kind == "true_false":
        if answer_index not in (0, 1):
            raise _RowError("the answer is not true or false")
        options = ["对", "错"] if has_cjk(stem) else ["True", "False"]
        return _question(draft, stem, kind, options, answer_index, [], fallback_topic)
    if kind == "short_answer":
        if not draft.answers:
            raise _RowError("the answer is empty")
        return _question(draft, stem, kind, [], None, list(draft.answers), fallback_topic)
    return _question(draft, stem, kind, [o.strip() for o in options], answer_index, [], fallback_topic)


def _question(
    draft: _Draft,
    stem: str,
    kind: QuestionKind,
    options: list[str],
    answer_index: int | None,
    answers: list[str],
    fallback_topic: str,
) -> QuizQuestion:
    return QuizQuestion(
        topic=draft.topic.strip() or fallback_topic,
        kind=kind,
        stem=stem,
        options=options,
        answer_index=answer_index,
        answers=answers,
        explanation=draft.explanation.strip(),
        source_path=draft.source.strip() or None,
        origin="imported",
    )


class _Merger:
    """Keeps the first of each duplicate and fills in what it lacks from the others."""

    def __init__(self) -> None:
        self.questions: list[QuizQuestion] = []
        self.merged = 0
        self._by_key: dict[tuple[str, ...], int] = {}
        self._topic_given: list[bool] = []

    def add(self, question: QuizQuestion, *, topic_given: bool) -> None:
        key = self._key(question)
        found = self._find(question, key)
        if found is None:
            self._by_key[key] = len(self.questions)
            self.questions.append(question)
            self._topic_given.append(topic_given)
            return
        self.merged += 1
        kept = self.questions[found]
        if topic_given and not self._topic_given[found]:
            kept.topic = question.topic
            self._topic_given[found] = True
        if not kept.explanation and question.explanation:
            kept.explanation = question.explanation
        if not kept.source_path and question.source_path:
            kept.source_path = question.source_path
        if kept.kind == "short_answer":
            known = {_norm(a) for a in kept.answers}
            for answer in question.answers:
                if _norm(answer) not in known:
                    kept.answers.append(answer)
                    known.add(_norm(answer))

    def _key(self, question: QuizQuestion) -> tuple[str, ...]:
        if question.kind == "short_answer":
            return (question.kind, _norm(question.stem), *sorted({_norm(a) for a in question.answers}))
        if question.kind == "true_false":
            return (question.kind, _norm(question.stem), str(question.answer_index))
        return (question.kind, _norm(question.stem), _norm(question.correct_option or ""))

    def _find(self, question: QuizQuestion, key: tuple[str, ...]) -> int | None:
        if key in self._by_key:
            return self._by_key[key]
        if question.kind == "short_answer":  # same stem and an accepted answer in common
            stem = _norm(question.stem)
            mine = {_norm(a) for a in question.answers}
            for index, kept in enumerate(self.questions):
                if (
                    kept.kind == "short_answer"
                    and _norm(kept.stem) == stem
                    and mine & {_norm(a) for a in kept.answers}
                ):
                    return index
        return None
