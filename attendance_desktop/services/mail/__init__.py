"""Email: the school's mail settings, the outbox, sending over SMTP, letters by email and
first-day absence messages. No Qt here.

* `settings`: the server, port, security, login name, From and Reply-To (database, one row).
* `credentials`: the password, in the operating system's credential store via `keyring`
  (or for this session only where there is no safe store); never in the database or logs.
* `compose`: an `email.message.EmailMessage` with its Message-ID and PDF attachment.
* `outbox`: queue, claim, record outcomes (at most once; see the module docstring).
* `sender`: `flush` sends what is due through `smtplib`, retrying later while offline.
* `batch`: a letter batch split into families we can email and families to print.
* `absence`: first-day absence messages from editable templates.
"""
