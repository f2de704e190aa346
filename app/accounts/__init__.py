"""Accounts: users, sign-in and its throttle, plans, and what staff do to an account."""
