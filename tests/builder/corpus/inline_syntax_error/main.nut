ok
bad @{)} here
