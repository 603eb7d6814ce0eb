"""Regional joint response (区域联动): regions of cities, regional warnings and the cities' responses."""
