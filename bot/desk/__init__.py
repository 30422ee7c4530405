"""The support desk: conversations, escalations, agents, and the handoff rules."""
