"""Data quality for the lakehouse: Great Expectations suites built from the source contract.

Importing this package is cheap; Great Expectations itself is imported on first use.
"""

from quality.raw_suites import raw_suite
from quality.validate import QualityResult, validate_raw

__all__ = ["QualityResult", "raw_suite", "validate_raw"]
