package teamsapp

import (
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

// Problem is one thing that keeps the package from being built, named as
// the System Console names the setting.
type Problem struct {
	Setting string `json:"setting"`
	Message string `json:"message"`
}

// Server is what the package needs from the Mattermost configuration.
type Server struct {
	SiteURL        string
	PrivacyLink    string
	TermsOfUseLink string
}

// ServerFrom reads what the package needs from the server configuration.
func ServerFrom(cfg *model.Config) Server {
	if cfg == nil {
		return Server{}
	}
	return Server{
		SiteURL:        model.SafeDereference(cfg.ServiceSettings.SiteURL),
		PrivacyLink:    model.SafeDereference(cfg.SupportSettings.PrivacyPolicyLink),
		TermsOfUseLink: model.SafeDereference(cfg.SupportSettings.TermsOfServiceLink),
	}
}

// Plan checks the saved settings and returns the package's input, or every
// problem that stands in the way.
func Plan(s config.Settings, srv Server, pluginID string) (Input, []Problem) {
	var problems []Problem
	for _, label := range s.TeamsAppMissing() {
		problems = append(problems, Problem{Setting: label, Message: label + " is not set."})
	}
	where, err := site.ParseHTTPS(srv.SiteURL)
	if err != nil {
		problems = append(problems, Problem{
			Setting: "Site URL",
			Message: err.Error() + " Set it under System Console > Environment > Web Server.",
		})
	}
	if len(problems) > 0 {
		return Input{}, problems
	}
	home := where.Origin() + where.Home()
	dev := Developer{
		Name:          firstSet(s.DeveloperName, s.AppDisplayName),
		WebsiteURL:    firstSet(s.DeveloperWebsiteURL, home),
		PrivacyURL:    firstSet(s.PrivacyURL, httpsOnly(srv.PrivacyLink), home),
		TermsOfUseURL: firstSet(s.TermsOfUseURL, httpsOnly(srv.TermsOfUseLink), home),
	}
	return Input{
		AppID:       s.AppID,
		Version:     s.AppVersion,
		DisplayName: s.AppDisplayName,
		ClientID:    s.ClientID,
		PluginID:    pluginID,
		Site:        where,
		Developer:   dev,
	}, nil
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// httpsOnly keeps a server link only when Teams would accept it.
func httpsOnly(link string) string {
	if _, err := site.ParseHTTPS(link); err != nil {
		return ""
	}
	return link
}
