"""A pure-Python port of Electric Imp's Builder preprocessor (npm ``Builder@4.2.1``)."""
