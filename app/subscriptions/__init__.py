"""Status subscriptions: email and webhook subscribers, and telling them about status events."""
