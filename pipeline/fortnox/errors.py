"""Typed Fortnox errors: each carries Fortnox's code and Swedish message and an English hint that says what to do.

`permanent` tells the runner whether retrying can help without a person changing something: permanent errors
wait for `sync --retry-failed`; transient ones retry on the next run by themselves.
"""
from __future__ import annotations

from pipeline.errors import UserError


class FortnoxError(UserError):
    permanent = True

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: int | None = None,
        http_status: int | None = None,
        fortnox_message: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.code = code
        self.http_status = http_status
        self.fortnox_message = fortnox_message


# Permanent: Fortnox's set-up must change (a person acts, then `sync --retry-failed`).
class ValidationError(FortnoxError): ...
class NotFound(FortnoxError): ...
class AccountNotFound(FortnoxError): ...
class AccountInactive(FortnoxError): ...
class SeriesNotFound(FortnoxError): ...
class SeriesNotManual(FortnoxError): ...
class NoFinancialYear(FortnoxError): ...
class PeriodLocked(FortnoxError): ...
class CostCenterNotFound(FortnoxError): ...
class CostCenterRequired(FortnoxError): ...  # the account is MANDATORY and the row has no cost center
class CostCenterRejected(FortnoxError): ...  # inactive, or not allowed on the row's account
class VoucherUnbalanced(FortnoxError): ...
class LicenceMissing(FortnoxError): ...
class ScopeMissing(FortnoxError): ...
class AlreadyExists(ValidationError): ...
class AlreadyBooked(ValidationError): ...  # the invoice or payment is booked: an earlier call did it
class AlreadyCredited(ValidationError): ...  # PUT /credit works once per invoice
class InvoiceState(ValidationError): ...  # not booked, cancelled, or booked and so unchangeable


class AuthError(FortnoxError):
    """The credentials do not work."""


class ReconsentRequired(AuthError):
    """The refresh token or consent is dead (invalid_grant, revoked): a person must run `connect` again."""


class InvalidClient(AuthError):
    """The client id or secret is wrong (FORTNOX_CLIENT_ID / FORTNOX_CLIENT_SECRET)."""


# Transient: the same request may succeed later.
class TransientError(FortnoxError):
    permanent = False


class ServerError(TransientError): ...
class RateLimited(TransientError): ...
class NetworkError(TransientError): ...


class UncertainOutcome(TransientError):
    """A voucher POST whose outcome is unknown (timeout, dropped connection, 5xx): look before posting again."""
