"""AQI per HJ 633 (2012 and 2026 tables): IAQI, AQI, primary pollutants, averaging."""
