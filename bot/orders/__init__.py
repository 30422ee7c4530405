"""The order domain: model, rules, repository, the use cases the actions call, the replies."""
