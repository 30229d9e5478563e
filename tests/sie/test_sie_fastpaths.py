"""The fast paths for common lines give exactly what the careful general paths give."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sie.document import SieDocument
from pipeline.sie.labels import _balance, _balance_general, _konto
from pipeline.sie.model import SieVoucher
from pipeline.sie.parser import Parser

_VALUE = st.sampled_from(["1910", "0351", "12AB", "", "-5", "100.00", "-0.50", "1.2.3", "1-2", "-", ".",
                          "20240131", "20240230", "2024-01-31", "202401", "x y", "7", "0", "-1", "1e5"])
_OBJS = st.sampled_from([(), ("1", "100"), ("1",), ("6", "0123", "7", "47")])


def _voucher_parser() -> Parser:
    parser = Parser(SieDocument())
    parser.voucher = SieVoucher("A", "1", date(2024, 1, 31), line=1)
    parser.state = 2
    return parser


def _outcome(parser: Parser) -> tuple[object, ...]:
    voucher = parser.voucher
    assert voucher is not None
    return (voucher.rows, parser.vsum, parser.vdebit, parser.voucher_bad,
            [(d.rule, d.location.line) for d in parser.doc.diagnostics])


@settings(max_examples=300, deadline=None)
@given(_VALUE, _OBJS, _VALUE, st.lists(_VALUE | _OBJS, max_size=3))
def test_trans_fast_path_matches_the_general_path(account: str, objs: tuple[str, ...], amount: str,
                                                  rest: list[object]) -> None:
    fields = ["#TRANS", account, objs, amount, *rest]
    fast, general = _voucher_parser(), _voucher_parser()
    fast._trans(list(fields), "", 5)
    general._trans_general(list(fields), "", 5)
    assert _outcome(fast) == _outcome(general)


@settings(max_examples=200, deadline=None)
@given(st.lists(_VALUE, min_size=3, max_size=6))
def test_ver_fast_path_matches_the_general_path(values: list[str]) -> None:
    fields = ["#VER", *values]
    fast, general = Parser(SieDocument()), Parser(SieDocument())
    for parser in (fast, general):  # the fast path needs the dates cached: read them once
        parser._ver_general(["#VER", "A", "1", *values[2:3]], "", 1)
        parser.state, parser.voucher = 0, None
        parser.doc.diagnostics.clear()
    fast._ver(list(fields), "", 2)
    general._ver_general(list(fields), "", 2)
    assert (fast.voucher, fast.voucher_bad, fast.state) == (general.voucher, general.voucher_bad, general.state)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["#IB", "#UB", "#RES", "#PSALDO", "#PBUDGET", "#OIB"]), st.lists(_VALUE | _OBJS, max_size=6))
def test_balance_fast_path_matches_the_general_path(label: str, values: list[object]) -> None:
    fields = [label, *values]
    fast, general = Parser(SieDocument()), Parser(SieDocument())
    _balance(fast, list(fields), "", 3)  # type: ignore[arg-type]
    _balance_general(general, list(fields), "", 3)  # type: ignore[arg-type]
    assert fast.doc.raw_balances == general.doc.raw_balances
    assert fast.doc.has_balances == general.doc.has_balances or not fast.doc.raw_balances


@settings(max_examples=200, deadline=None)
@given(st.lists(_VALUE, max_size=3))
def test_konto_fast_path_keeps_valid_accounts_only(values: list[str]) -> None:
    parser = Parser(SieDocument())
    _konto(parser, ["#KONTO", *values], "", 1)
    for number, account in parser.doc.accounts.items():
        assert number.isdigit() and account.name == (values[1] if len(values) > 1 and values[1] else None)
