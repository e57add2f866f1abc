package main

// These mirror plugin.json; a test keeps them in step.
const (
	pluginID      = "io.missioncollab.m365"
	pluginVersion = "0.1.0"
)
