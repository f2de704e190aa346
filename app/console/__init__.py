"""The support console's own logic: the dashboard of what needs a person, and the demo data."""
