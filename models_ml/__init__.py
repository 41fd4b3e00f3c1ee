"""scikit-learn models (win probability, bookings forecast, payment-delay risk, ticket/requirement matching) arrive with the sales, finance and service issues."""
