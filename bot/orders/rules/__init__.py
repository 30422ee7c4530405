"""The shop's rules as pure functions of (order, policy, now): returns, shipping, cancellation."""
