"""The Mnubo SmartObjects provider: the data model (and device objects) as code."""
