"""Thin Qt widgets: each draws what a presenter handed it and emits what the user asked
for; none calls the API itself."""
