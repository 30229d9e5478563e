"""Store configuration as code: strict YAML, profiles, the JSON Schema, semantic rules, and StoreConfig.

Other stages call `get_store` / `load_stores`; `validate` calls `validate_paths`.
"""
from pipeline.config.description import render_voucher_description
from pipeline.config.load import get_store, load_store, load_stores, validate_paths
from pipeline.config.model import ArticleGroupRow, StoreConfig

__all__ = ["ArticleGroupRow", "StoreConfig", "get_store", "load_store", "load_stores",
           "render_voucher_description", "validate_paths"]
