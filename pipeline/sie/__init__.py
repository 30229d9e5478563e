"""SIE 1-4 reader and 4I writer: encoding detection, tokens, labels, vouchers, #KSUMMA, diagnostics."""
from pipeline.sie.codes import CODES, SieError
from pipeline.sie.document import (
    Limits,
    SieAccount,
    SieBalance,
    SieDimension,
    SieDocument,
    SieFinancialYear,
    SieObject,
)
from pipeline.sie.model import SieFinding, SieTransaction, SieVoucher
from pipeline.sie.reader import SieStream, iter_vouchers, read_sie
from pipeline.sie.writer import write_sie_4i

__all__ = [
    "CODES", "Limits", "SieAccount", "SieBalance", "SieDimension", "SieDocument", "SieError",
    "SieFinancialYear", "SieFinding", "SieObject", "SieStream", "SieTransaction", "SieVoucher",
    "iter_vouchers", "read_sie", "write_sie_4i",
]
