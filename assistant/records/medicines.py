"""Which medicines make a missed dose urgent: anticoagulants, insulins and the loop diuretics
used in heart failure. Matched by generic or common brand name; the discharge list may also
mark any medicine high-risk itself."""

from __future__ import annotations

import re

HIGH_RISK_NAMES = {
    # anticoagulants
    "warfarin", "coumadin", "jantoven", "apixaban", "eliquis", "rivaroxaban", "xarelto",
    "dabigatran", "pradaxa", "edoxaban", "savaysa", "enoxaparin", "lovenox", "heparin",
    "fondaparinux", "arixtra",
    # insulins
    "insulin", "glargine", "lantus", "basaglar", "toujeo", "detemir", "levemir", "degludec",
    "tresiba", "lispro", "humalog", "aspart", "novolog", "glulisine", "apidra", "nph",
    "humulin", "novolin",
    # heart-failure (loop) diuretics
    "furosemide", "lasix", "torsemide", "demadex", "soaanz", "bumetanide", "bumex",
}


def is_high_risk(name: str) -> bool:
    return bool(set(re.findall(r"[a-z]+", name.lower())) & HIGH_RISK_NAMES)
