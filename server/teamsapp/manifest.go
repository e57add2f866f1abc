// Package teamsapp builds the Teams app package an admin uploads in the
// Teams admin center: manifest.json and the two icons, zipped. The manifest
// is made from Go values with encoding/json, so any display name, quotes
// and all, comes out as valid JSON.
package teamsapp

// SchemaVersion is the manifest schema the package declares. 1.22 is the
// newest version proven accepted by Teams, Outlook and the Microsoft 365
// app alike, including in GCC High; later versions add nothing this app
// uses and are not yet accepted everywhere.
const SchemaVersion = "1.22"

const schemaURL = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json"

// Tab entity IDs; notification deep links name PreviewEntityID.
const (
	HomeEntityID    = "mattermost"
	PreviewEntityID = "notification-preview"
)

// Paths of the plugin's pages, below /plugins/<plugin id>.
const (
	TabPath     = "/tab"
	PreviewPath = "/notification-preview"
)

// Manifest is manifest.json, the fields this app uses.
type Manifest struct {
	Schema             string             `json:"$schema"`
	ManifestVersion    string             `json:"manifestVersion"`
	Version            string             `json:"version"`
	ID                 string             `json:"id"`
	Developer          Developer          `json:"developer"`
	Name               Name               `json:"name"`
	Description        Description        `json:"description"`
	Icons              Icons              `json:"icons"`
	AccentColor        string             `json:"accentColor"`
	StaticTabs         []StaticTab        `json:"staticTabs"`
	ValidDomains       []string           `json:"validDomains"`
	WebApplicationInfo WebApplicationInfo `json:"webApplicationInfo"`
	DevicePermissions  []string           `json:"devicePermissions"`
	Authorization      Authorization      `json:"authorization"`
	Activities         Activities         `json:"activities"`
}

// Developer is who publishes the app, as shown in the Teams store.
type Developer struct {
	Name          string `json:"name"`
	WebsiteURL    string `json:"websiteUrl"`
	PrivacyURL    string `json:"privacyUrl"`
	TermsOfUseURL string `json:"termsOfUseUrl"`
}

// Name is the app's short and full names.
type Name struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

// Description is the app's short and full descriptions.
type Description struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

// Icons names the icon files in the package.
type Icons struct {
	Color   string `json:"color"`
	Outline string `json:"outline"`
}

// StaticTab is a personal tab.
type StaticTab struct {
	EntityID   string   `json:"entityId"`
	Name       string   `json:"name"`
	ContentURL string   `json:"contentUrl"`
	WebsiteURL string   `json:"websiteUrl"`
	Scopes     []string `json:"scopes"`
}

// WebApplicationInfo ties the app to its Entra app registration, which is
// what lets the tab get a token for single sign-on.
type WebApplicationInfo struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
}

// Authorization lists resource-specific consent permissions.
type Authorization struct {
	Permissions AuthorizationPermissions `json:"permissions"`
}

// AuthorizationPermissions holds resource-specific permissions.
type AuthorizationPermissions struct {
	ResourceSpecific []ResourceSpecificPermission `json:"resourceSpecific"`
}

// ResourceSpecificPermission is one permission granted per user or team.
type ResourceSpecificPermission struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Activities declares the activity feed notification types and their
// icons.
type Activities struct {
	ActivityTypes []ActivityType `json:"activityTypes"`
	ActivityIcons []ActivityIcon `json:"activityIcons,omitempty"`
}

// ActivityType is one kind of activity feed notification.
type ActivityType struct {
	Type           string   `json:"type"`
	Description    string   `json:"description"`
	TemplateText   string   `json:"templateText"`
	AllowedIconIDs []string `json:"allowedIconIds,omitempty"`
}

// ActivityIcon is an icon file in the package an activity type may show.
type ActivityIcon struct {
	ID       string `json:"id"`
	IconFile string `json:"iconFile"`
}

// ActivityTypes are the notification kinds the plugin sends, in the order
// a person would rank them. Template parameters are filled in at send
// time: {author} as Mattermost names the post's author, {channel} the
// channel's name. Posts of one conversation share a feed item, which
// shows the latest.
var ActivityTypes = []ActivityType{
	{Type: "mention", Description: "Someone mentioned you in Mattermost", TemplateText: "{author} mentioned you in {channel}"},
	{Type: "directMessage", Description: "Someone sent you a direct message in Mattermost", TemplateText: "{author} sent you a message"},
	{Type: "groupMessage", Description: "Someone wrote in a group message you are in", TemplateText: "{author} wrote in a group message with you"},
	{Type: "channelMention", Description: "Someone notified everyone in a channel you are in", TemplateText: "{author} notified everyone in {channel}"},
	{Type: "threadReply", Description: "Someone replied in a thread you follow", TemplateText: "{author} replied in a thread you follow in {channel}"},
}

// activityIconFile is where an activity type's icon is in the package.
func activityIconFile(activityType string) string { return "activity-" + activityType + ".png" }

// activities are the activity types, each allowed its own icon.
func activities() Activities {
	var a Activities
	for _, t := range ActivityTypes {
		t.AllowedIconIDs = []string{t.Type}
		a.ActivityTypes = append(a.ActivityTypes, t)
		a.ActivityIcons = append(a.ActivityIcons, ActivityIcon{ID: t.Type, IconFile: activityIconFile(t.Type)})
	}
	return a
}
