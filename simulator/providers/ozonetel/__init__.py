"""The Ozonetel CloudAgent dialect (AgentManualDial, PhoneManualDial, PullAPI, RunningDIDs)."""
