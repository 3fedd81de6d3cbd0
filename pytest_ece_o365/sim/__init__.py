"""The simulated Office 365 tenant (contract §6): real servers on loopback, speaking Microsoft's wording.

Start it with :func:`pytest_ece_o365.sim.runner.start_simulator`. The pieces:

- ``tenant`` / ``directory`` / ``scenarios``: the one model (accounts, mailboxes, app registration,
  grants, refresh tokens) and the scenarios that flip its facts;
- ``aad`` + ``entra`` + ``aadsts`` + ``tokens``: Entra ID (discovery, JWKS, /authorize, /token, errors);
- ``graph``: Microsoft Graph's read-only directory endpoints; ``https``: their HTTPS server;
- ``imap`` / ``pop3`` / ``smtp`` (+ ``mailserver``): the mail servers, which ask the tenant through
  ``authority.MailAuthority``;
- ``dns``: the resolver for Microsoft's host names; ``pki``: the throw-away certificate authorities.
"""
