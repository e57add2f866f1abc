package main

// pluginID mirrors plugin.json; a test keeps them in step.
const pluginID = "io.missioncollab.m365"
