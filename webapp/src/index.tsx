import {ConnectionCheck} from './components/connection_check';
import {TeamsAppPackageSection} from './components/teams_app_package_section';
import {ReachPanel} from './components/reach_panel';
import {pluginId} from './manifest';
import type {MattermostPlugin, PluginRegistry} from './types';
import {notificationSettings} from './user_settings';

export const TEAMS_APP_PACKAGE_SECTION_KEY = 'TeamsAppPackage';
export const CONNECTION_CHECK_KEY = 'ConnectionCheck';
export const REACH_PANEL_KEY = 'ReachPanel';

export default class Plugin implements MattermostPlugin {
    public initialize(registry: PluginRegistry, _store: unknown): void {
        // A custom setting rather than a custom section: the server masks
        // every setting it cannot find in the flat settings list, so the
        // plugin keeps its settings flat and renders this block in place.
        registry.registerAdminConsoleCustomSetting(TEAMS_APP_PACKAGE_SECTION_KEY, TeamsAppPackageSection, {showTitle: false});
        registry.registerAdminConsoleCustomSetting(CONNECTION_CHECK_KEY, ConnectionCheck, {showTitle: false});
        registry.registerAdminConsoleCustomSetting(REACH_PANEL_KEY, ReachPanel, {showTitle: false});
        registry.registerUserSettings?.(notificationSettings);
    }
}

window.registerPlugin(pluginId, new Plugin());
