"""One widget per panel kind. Widgets render the state they are given and post messages."""
