x here
