"""`kassasync reconcile`: per store and month, whether Fortnox equals the till to the öre, and if not, why."""
from pipeline.reconcile.model import Month, StoreMonth
from pipeline.reconcile.store_month import reconcile_store_month

__all__ = ["Month", "StoreMonth", "reconcile_store_month"]
