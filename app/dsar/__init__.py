"""Data subject access requests (GDPR Art. 15): exports, their archive, deadlines, recovery and staff actions."""
