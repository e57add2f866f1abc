// Command plugin is the server side of Mission Collaboration for Microsoft
// 365. It only wires the capability packages to the Mattermost plugin API.
package main

import "github.com/mattermost/mattermost/server/public/plugin"

func main() {
	plugin.ClientMain(&Plugin{})
}
