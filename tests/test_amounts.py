"""What a question names as an amount, and which case of a rule holds it: "退款2000"
is an amount, "双11", "618满减" and "打12315" are not."""

from __future__ import annotations

import pytest

from bot.amounts import amounts, fits, with_amount_of
from ingest.normalize import for_matching


@pytest.mark.parametrize(("question", "expected"), [
    ("补6000积分谁批", [6000.0]),
    ("退款2000谁批", [2000.0]),
    ("1500块的退货谁来批", [1500.0]),
    ("退货付的现金3000 能当场退现金吗", [3000.0]),
    ("a ¥300 refund, who approves?", [300.0]),
    ("refund of 5000 who signs off", [5000.0]),
    ("退款2千要谁批", [2000.0]),
    ("双11前几天买的 活动降价了咋办", []),
    ("618满减规则是啥", []),
    ("客户说要打12315投诉 怎么办", []),
    ("S09多少钱", []),
    ("9:30到店吗", []),
])
def test_amounts_named_by_a_question(question: str, expected: list[float]) -> None:
    assert amounts(for_matching(question)) == expected


@pytest.mark.parametrize(("amount", "rule", "expected"), [
    (300, "退款金额 ≤500元：店长审批", True),
    (2000, "退款金额 >500元 且 ≤3000元：区域经理审批", True),
    (5000, "退款金额 >500元 且 ≤3000元：区域经理审批", False),
    (3000, "现金：2000元及以下当场退现金；2000元以上改为银行转账", True),
    (1000, "现金：2000元及以下当场退现金", True),
    (60, "门店30公里范围内免费；超出30公里的部分每公里2元，单程最高不超过100元", True),
    (6000, "Above ¥3,000: the area manager and then the operations director", True),
    (200, "Over ¥500 and up to ¥3,000: the area manager", False),
    (200, "每消费1元累计1积分", None),
])
def test_the_case_of_a_rule_that_holds_an_amount(amount: float, rule: str, expected: bool | None) -> None:
    assert fits(amount, for_matching(rule)) is expected


@pytest.mark.parametrize(("subject", "follow_up", "expected"), [
    ("退500块谁批", "那2500呢", "退2500块谁批"),
    ("退500块谁批", "那3千呢", "退3千块谁批"),
    ("退500块谁批", "要带小票吗", "退谁批"),
    ("补6000积分谁批", "那补录要几天", "补谁批"),
    ("积雪草修护面霜", "那2500呢", "积雪草修护面霜"),  # no amount: the subject as it was
    ("HY-AP120适合多大房间", "那它多少钱", "HY-AP120适合多大房间"),  # a code, not an amount
])
def test_a_follow_up_replaces_or_drops_the_amount_of_the_question_it_follows(
        subject: str, follow_up: str, expected: str) -> None:
    assert with_amount_of(subject, follow_up) == expected
