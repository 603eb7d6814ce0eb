"""Joint plans (联合减排方案): one optimisation across the cities of a region, compared with each city alone."""
