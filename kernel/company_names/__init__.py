"""Company-name normalisation, the business registry and name resolution: one home for the rule
the store's entry screens, the partner pipeline and the apps all apply."""
