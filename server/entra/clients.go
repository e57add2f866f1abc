// Package entra validates the Microsoft Entra access tokens that the Teams,
// Outlook and Microsoft 365 hosts hand to the tab, so that a person can be
// signed in to Mattermost with their Microsoft identity.
package entra

import "strings"

// ClientApp is a Microsoft host application allowed to ask Entra for a
// token for this app's access_as_user scope on a person's behalf.
type ClientApp struct {
	ID   string
	Name string
}

// ClientApps is the one table of Microsoft host applications whose tokens
// are accepted: those the admin authorizes under "Expose an API" (Teams web
// and desktop, Outlook desktop and web) plus the Microsoft 365 app's
// clients. A token obtained by any other application is refused.
var ClientApps = []ClientApp{
	{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Teams desktop and mobile"},
	{"5e3ce6c0-2b1f-4285-8d4b-75ee78787346", "Teams web"},
	{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft 365 desktop and mobile, Outlook desktop"},
	{"bc59ab01-8403-45c6-8796-ac3ef710b3e3", "Outlook web"},
	{"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook mobile"},
	{"4765445b-32c6-49b0-83e6-1d93765276ca", "Microsoft 365 web"},
	{"0ec893e0-5785-4de6-99da-4ed124e5296c", "Microsoft 365 desktop"},
}

// clientApp returns the named host application, if it is allowed.
func clientApp(id string) (ClientApp, bool) {
	for _, c := range ClientApps {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return ClientApp{}, false
}
