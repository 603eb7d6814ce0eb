"""The duty officer's workflow: users and roles, warnings and their lifecycle, plan
versions, audit, compliance. Services here are the single place the CLI, the HTTP
API and scheduled jobs call; each call is one transaction."""
