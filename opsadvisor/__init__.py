"""opsadvisor: advise on the operating model of a business-led IT service."""

from .api import assess, rule_pack, schema
from .assessment import Assessment
from .errors import OpsAdvisorError, RulesError, ScenarioError

__all__ = [
    "Assessment",
    "OpsAdvisorError",
    "RulesError",
    "ScenarioError",
    "assess",
    "rule_pack",
    "schema",
]
__version__ = "0.1.0"
