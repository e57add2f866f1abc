// Package msfake is a fake Microsoft cloud for tests and the local sandbox.
//
// It stands in for Microsoft Entra ID over real HTTPS: Start listens on
// 127.0.0.1 with a certificate from a CA made fresh for that Cloud, so a
// client must trust CAPEM (or use Client) exactly as it trusts Microsoft's
// public roots in production. Cloud.URL plays the part of the login
// authority https://login.microsoftonline.com.
//
// The fake serves what a resource server needs to validate Entra access
// tokens: the v1 and v2 OpenID discovery documents and the signing key
// sets (JWKS), in the shapes Entra serves them. It also issues access
// tokens like the ones Microsoft 365 hosts (Teams, Outlook, the Microsoft
// 365 app) obtain for a tab's single sign-on, which tests may alter freely
// before signing to forge bad ones.
//
// For server-to-server calls it also plays Entra's client credentials
// grant (RegisterApp, POST /{tenant}/oauth2/v2.0/token) and a sliver of
// Microsoft Graph under /v1.0/ (URL is then also the Graph resource and
// the tokens' audience): looking apps up in the Teams app catalog
// (PublishTeamsApp) and sending activity feed notifications in bulk
// (Notifications records them), with Graph's token checks, rules and
// error bodies, a per-tenant rate limit, recipients who lack the app
// (SetTeamsAppInstalled), and FailNext, ThrottleNext and StallNext to
// inject failures and delays.
//
// All routes live on one http.ServeMux with method and path patterns; see
// routes.go for where more of the Microsoft cloud (Graph) is to be added.
package msfake
