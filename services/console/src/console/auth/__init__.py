"""Staff access: accounts, passwords, sessions, CSRF, bearer tokens and OIDC sign-in."""
