"""``chronox-cli``: parse, call one service, render."""
