"""SLA credits: claims, the measurement of a billing period, the credit in Stripe, and staff decisions."""
