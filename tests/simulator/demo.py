"""The default seed's demo account as the simulator tests dial it (simulator/seed/default.yaml)."""

from __future__ import annotations

KEY = "KKdemo0000000000000000000000000001"
#: AgentManualDial's five parameters for the demo agent and campaign.
AMD_PARAMS = {
    "api_key": KEY,
    "username": "demouser",
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "9876543210",
}
#: The same, answered as JSON.
AMD_JSON = {**AMD_PARAMS, "format": "json"}
