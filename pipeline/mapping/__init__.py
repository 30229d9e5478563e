"""Mapping: SIE voucher + store config + business date -> the Fortnox voucher to post, or findings (pure)."""
from pipeline.mapping.findings import RULES, Finding
from pipeline.mapping.mapper import MappingResult, map_day, map_voucher

__all__ = ["RULES", "Finding", "MappingResult", "map_day", "map_voucher"]
