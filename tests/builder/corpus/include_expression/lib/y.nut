y here
