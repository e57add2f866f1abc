// Plugin id; must match "id" in the server's plugin manifest.
export const pluginId = 'io.missioncollab.m365';
