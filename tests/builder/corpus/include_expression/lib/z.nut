z via backslash
