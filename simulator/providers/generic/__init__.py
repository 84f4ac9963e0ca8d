"""The generic dialect: the seed's sample APIs (click2call, PullAPI, PullDIDNumbers)."""
