# The admin console: its pages, confirmations and the audit log's sentences.

## Every page: its title and the tabs (the tabs' label is home-admin-console).
admin-title = { $page } · { $instance } admin
admin-invites = Invites
admin-users = Users
admin-apps = Apps
admin-api-keys = API keys
admin-failed-mail = Failed mail
admin-audit-log = Audit log

## Words several pages use.
admin-for = For
admin-more = More
admin-delete = Delete
admin-delete-ellipsis = Delete…
admin-unlimited = unlimited
admin-search = Search
# For the lists' search form (search_form in macros.html).
admin-search-find = Find
admin-search-show = Show
admin-created-by = Created by
admin-status-active = active
admin-status-revoked = revoked
admin-status-used-up = used up
admin-status-expired = expired

## Registration invites.
admin-registration-invites = Registration invites
admin-new-invite = New invite
admin-invite-description = What it is for
admin-invite-description-hint = (optional, shown to whoever uses it)
admin-invite-return-to-hint = (optional: a page of an app, where whoever signs up lands)
admin-create-invite = Create invite
admin-invites-search = code or description
admin-invites-every = Every invite
admin-invites-active = Only those still working
admin-older-invites = Older invites
admin-no-invite-matches = No invite matches.
admin-no-invites = No registration invites yet.
admin-invite = Invite
admin-sign-up-link = Sign-up link
admin-all-invites = All invites
admin-confirm-revoke-invite-text = Nobody will be able to sign up with { $code } any more. People who already did keep their accounts.

## Users.
admin-new-user = New user
admin-new-user-hint = Created without a password: send them a sign-in link.
admin-create-user = Create user
admin-everyone = Everyone
admin-users-search = username, email or name
admin-users-enabled = Enabled
admin-users-disabled = Disabled
admin-users-admins = Admins
admin-tag-disabled = disabled
admin-tag-admin = admin
admin-tag-no-password = no password
admin-sign-in-link-button = Sign-in link…
admin-enable = Enable
admin-disable = Disable
admin-nobody-matches = Nobody matches.
admin-more-users = More users
admin-confirm-delete-user = Delete this user?
# $name: the user's name and username, "Carol (@carol)".
admin-confirm-delete-user-text = { $name } loses their account, sessions and group memberships; groups only they belong to are deleted. This cannot be undone.

## Sign-in links.
admin-active-links = Active sign-in links
admin-no-active-links = { $count ->
    [one] No active sign-in links. They last 1 hour unless set otherwise.
   *[other] No active sign-in links. They last { $count } hours unless set otherwise.
}
admin-sign-in-link = Sign-in link
admin-sign-in-link-for = Sign-in link for { $name }
# Around the username, in bold: "A link that signs @carol in once. …"
admin-new-link-signs = A link that signs
admin-new-link-in-once = in once. It is shown to you on the next page; it can also be emailed to { $email }.
admin-works-for = Works for
admin-also-email = Also email it to { $email }
admin-make-link = Make the link
# Around the username, in bold, and the time it expires: "This link is shown only now. It signs @carol in once, until in 3 days."
admin-link-shown-now = This link is shown only now. It signs
admin-link-in-once = in once
admin-link-until = , until
admin-link-shown-once = The link itself was shown once, when it was made. If it was lost, revoke it and make a new one.
admin-made = Made
admin-confirm-revoke-link = Revoke this login link?
admin-confirm-revoke-link-text = Whoever holds this link will not be able to sign in with it.

## Failed mail and the previews of every email.
# Before the rest of the sentence: "Preview every email as people receive it, with sample data."
admin-preview-every-email = Preview every email
admin-preview-every-email-rest = as people receive it, with sample data.
admin-to = To
admin-what = What
admin-tries = Tries
admin-last-error = Last error
admin-retry = Retry
admin-no-failed-mail = No failed mail. Everything was delivered or is still being tried.
admin-mail-invitation = invitation
admin-mail-invitation-resent = invitation resent
admin-mail-login-link = login link
admin-mail-email-verification = email verification
admin-email-previews = Email previews
admin-email-previews-intro = Every email Usher sends, with sample data, this instance's look and templates.
admin-language = Language:
admin-html-version = the HTML version

## The audit log: its search, its columns, who did what ("@alice revoked an invite").
admin-audit-what = What
admin-audit-anything = Anything
admin-audit-who = Who
admin-audit-actor-placeholder = username
admin-audit-since = From
admin-audit-until = To
admin-audit-one-thing = Only what was done to one thing.
admin-audit-everything = Everything
admin-audit-when = When
admin-audit-did = Did
admin-audit-target = To
admin-audit-from = From
admin-audit-older = Older events
admin-audit-nothing = Nothing recorded that matches.
admin-did-invite-created = created an invite
admin-did-invite-revoked = revoked an invite
admin-did-invite-accepted = joined through an invite
admin-did-invite-resent = sent an invitation again
admin-did-invite-link-copied = made a fresh invitation link
admin-did-login-link-created = made a sign-in link
admin-did-login-link-redeemed = signed in with a link
admin-did-login-link-revoked = revoked a sign-in link
admin-did-user-registered = signed up
admin-did-user-login = signed in
admin-did-user-login-failed = failed to sign in
admin-did-user-created = created a user
admin-did-user-updated = changed a user
admin-did-user-deleted = deleted a user
admin-did-user-email-verified = verified their email address
admin-did-user-signed-out-elsewhere = signed out everywhere else
admin-did-group-created = created a group
admin-did-group-updated = changed a group
admin-did-group-deleted = deleted a group
admin-did-member-role-changed = changed a member's role
admin-did-member-removed = removed a member
admin-did-app-created = registered an app
admin-did-app-updated = changed an app
admin-did-app-deleted = deleted an app
admin-did-api-key-created = made an API key
admin-did-api-key-revoked = revoked an API key
admin-did-email-retried = queued an email again
admin-target-group = a group
admin-target-invite = an invite
admin-target-sign-in-link = a sign-in link
admin-target-member = a member
admin-target-app = an app
admin-target-api-key = an API key
# $name: the key's name.
admin-target-api-key-named = the API key “{ $name }”
admin-target-email = an email
admin-target-user = a user

## Applications.
admin-apps-intro = Applications that sign people in through Usher with OpenID Connect. The issuer is this site's address.
admin-new-app = New app
admin-app-name = Name
admin-redirect-uris = Redirect URIs
admin-redirect-uris-hint = (one a line; https, or http on 127.0.0.1)
admin-home-page = Home page
admin-home-page-hint = (optional: where people who join a group of this app go)
admin-first-party = First-party: nobody is asked to consent
admin-public = Public (a browser or phone app): no secret, PKCE
admin-register-app = Register app
admin-registered = Registered
admin-client-id = Client id
admin-client-secret = Client secret
admin-kind = Kind
admin-kind-public = public
admin-kind-public-long = public (PKCE, no secret)
admin-kind-confidential = confidential
admin-tag-first-party = first-party
admin-settings = Settings
admin-new-secret-button = New secret…
admin-more-apps = More apps
admin-no-apps = No apps yet.
admin-secret-shown-now = The secret is shown only now: put it in the app's configuration with its client id. Usher keeps only its hash.
admin-copy = Copy
admin-copy-secret = Copy secret
admin-one-a-line = (one a line)
admin-one-a-line-optional = (one a line, optional)
admin-after-sign-out = After sign-out
admin-only-members-of = Only members of
admin-only-members-of-hint = (group slugs, comma-separated; empty: everyone)
admin-save = Save
admin-confirm-new-secret = Give this app a new secret?
admin-confirm-new-secret-text = { $app } stops working with its current secret until its configuration has the new one.
admin-new-secret = New secret
admin-confirm-delete-app = Delete this app?
admin-confirm-delete-app-text = Nobody can sign in to { $app } through Usher any more; its tokens stop working.

## API keys: for an application's back-end, shown once (SPEC §10.3).
admin-api-keys-intro = A key lets an application's back-end call Usher's API, sent as Authorization: Bearer usk_… It acts for the admin who made it, while they are an admin, within its scopes and its group.
admin-new-key = New key
admin-key-name = Name
admin-key-name-hint = (what will use it, like the billing back-end)
admin-key-scopes-legend = What it may do
admin-key-scopes = Scopes
admin-scope-users-read = see users, their accounts and sign-in links
admin-scope-users-write = create, change, disable and delete users; make sign-in links
admin-scope-groups-read = see groups
admin-scope-groups-write = create, change and delete groups
admin-scope-members-read = see who belongs to a group, and their roles
admin-scope-members-write = change members' roles and remove members
admin-scope-invites-read = see invites
admin-scope-invites-write = create, revoke and resend invites
admin-scope-audit-read = read the audit log
admin-key-group = Group
admin-key-group-hint = (optional: a group's slug, the only group it acts on; empty: every group)
admin-key-every-group = every group
admin-key-one-year = 1 year
admin-make-key = Make the key
admin-key-shown-now = The key is shown only now: put it in the application's configuration. Usher keeps only its hash.
admin-new-key-made = Your new key
admin-copy-key = Copy key
admin-keys = Keys
admin-key-last-used = Last used
admin-revoke-ellipsis = Revoke…
# The revoke button's label for screen readers: "Revoke the key Billing".
admin-revoke-key-named = Revoke the key { $name }
admin-no-keys = No API keys yet.
admin-confirm-revoke-key = Revoke this API key?
admin-confirm-revoke-key-text = { $name } stops working at once: whatever calls the API with it is refused. This cannot be undone.
# What the page says once, after the form (the other flash-* are in pages.ftl).
flash-api-key-made = The API key was made: copy it now, it is not shown again.
flash-api-key-revoked = The API key was revoked: it no longer works.
