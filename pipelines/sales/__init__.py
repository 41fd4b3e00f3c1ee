"""Sales area: ML training and scoring assets (win probability, quarter bookings forecast)."""
