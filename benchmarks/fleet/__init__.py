"""The fleet benchmark's parts: workload, seeding, measurement, floor, serial baseline."""
