"""`kassasync serve`: onboarding links, the consent callback, the customer's live checklist, fleet views, uploads."""
