# Refusals: why something could not be done, and why a field was refused.
