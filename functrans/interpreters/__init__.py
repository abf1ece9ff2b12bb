"""One module per transformation; none contains code specific to a primitive."""
