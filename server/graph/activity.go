package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// MaxRecipients is Graph's limit of recipients in one bulk request.
const MaxRecipients = 100

// Activity is one activity feed notification to up to MaxRecipients people.
type Activity struct {
	// AppExternalID is the Teams app's manifest ID.
	AppExternalID string
	// Type is an activity type the app's manifest declares.
	Type string
	// Topic is the text the notification is about; WebURL is where
	// clicking it goes.
	Topic, WebURL string
	// Preview is plain text, at most 150 characters.
	Preview string
	// Parameters fill the activity type's template.
	Parameters map[string]string
	// Recipients are Entra object IDs.
	Recipients []string
	// ChainID names the conversation: Teams replaces a person's earlier
	// notification of the same chain with this one. Zero sends none.
	ChainID int64
}

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type recipient struct {
	Type   string `json:"@odata.type"`
	UserID string `json:"userId"`
}

type activityBody struct {
	Topic struct {
		Source string `json:"source"`
		Value  string `json:"value"`
		WebURL string `json:"webUrl"`
	} `json:"topic"`
	ActivityType string `json:"activityType"`
	PreviewText  struct {
		Content string `json:"content"`
	} `json:"previewText"`
	TeamsAppID         string      `json:"teamsAppId"`
	TemplateParameters []keyValue  `json:"templateParameters"`
	Recipients         []recipient `json:"recipients"`
	ChainID            int64       `json:"chainId,omitempty"`
}

// Send delivers an activity with sendActivityNotificationToRecipients.
// Its errors say what they mean for later requests through Classify.
func (c *Client) Send(ctx context.Context, a Activity) error {
	if len(a.Recipients) == 0 || len(a.Recipients) > MaxRecipients {
		return fmt.Errorf("send activity: %d recipients; 1 to %d are allowed", len(a.Recipients), MaxRecipients)
	}
	appID, err := c.TeamsAppID(ctx, a.AppExternalID)
	if err != nil {
		return err
	}
	var body activityBody
	body.Topic.Source = "text"
	body.Topic.Value = a.Topic
	body.Topic.WebURL = a.WebURL
	body.ActivityType = a.Type
	body.PreviewText.Content = a.Preview
	body.TeamsAppID = appID
	body.ChainID = a.ChainID
	for _, name := range sortedKeys(a.Parameters) {
		body.TemplateParameters = append(body.TemplateParameters, keyValue{Name: name, Value: a.Parameters[name]})
	}
	for _, oid := range a.Recipients {
		body.Recipients = append(body.Recipients, recipient{Type: "microsoft.graph.aadUserNotificationRecipient", UserID: oid})
	}
	err = c.do(ctx, http.MethodPost, "/v1.0/teamwork/sendActivityNotificationToRecipients", body, nil)
	if err == nil {
		return nil
	}
	var gerr *Error
	if errors.As(err, &gerr) && gerr.Status == http.StatusNotFound {
		err = c.recheckApp(ctx, a.AppExternalID, appID, gerr)
	}
	if c.cfg.PerPersonConsent {
		return fmt.Errorf("send activity: %w", err)
	}
	return fmt.Errorf("send activity: %w", c.forbiddenFor(err, "TeamsActivity.Send"))
}

// recheckApp finds out what a 404 was about, which Graph does not say:
// the app (removed, or uploaded anew under another catalog ID since it
// was looked up) or a recipient. The catalog tells which.
func (c *Client) recheckApp(ctx context.Context, externalID, used string, notFound *Error) error {
	c.forgetTeamsApp(externalID)
	now, err := c.TeamsAppID(ctx, externalID)
	switch {
	case err != nil:
		return fmt.Errorf("looking the Teams app up again after %v: %w", notFound, err)
	case now != used:
		return fmt.Errorf("%w (from %s to %s): %w", errAppReplaced, used, now, notFound)
	}
	return notFound
}
