import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {pluginId} from './manifest';
import type {MattermostPlugin, PluginRegistry} from './types';

// index.tsx registers itself with window.registerPlugin on import, so stub it
// first and import the module afresh for each test.
async function loadPlugin(): Promise<{
    registerPlugin: ReturnType<typeof vi.fn>;
    plugin: MattermostPlugin;
    section: unknown;
    check: unknown;
    reach: unknown;
}> {
    const registerPlugin = vi.fn();
    vi.stubGlobal('registerPlugin', registerPlugin);
    const mod = await import('./index');
    expect(registerPlugin).toHaveBeenCalledTimes(1);
    const plugin = registerPlugin.mock.calls[0][1] as MattermostPlugin;
    expect(plugin).toBeInstanceOf(mod.default);

    // Same module registry as the freshly imported index, so same component.
    const {TeamsAppPackageSection} = await import('./components/teams_app_package_section');
    const {ConnectionCheck} = await import('./components/connection_check');
    const {ReachPanel} = await import('./components/reach_panel');
    return {registerPlugin, plugin, section: TeamsAppPackageSection, check: ConnectionCheck, reach: ReachPanel};
}

describe('plugin entry point', () => {
    beforeEach(() => {
        vi.resetModules();
    });

    afterEach(() => {
        vi.unstubAllGlobals();
    });

    it('registers itself with the plugin id', async () => {
        const {registerPlugin} = await loadPlugin();

        expect(pluginId).toBe('io.missioncollab.m365');
        expect(registerPlugin).toHaveBeenCalledWith('io.missioncollab.m365', expect.any(Object));
    });

    it('registers the Teams app package block, the connection check and the reach panel as custom System Console settings', async () => {
        const {plugin, section, check, reach} = await loadPlugin();
        const registerAdminConsoleCustomSetting = vi.fn();
        const registry: PluginRegistry = {registerAdminConsoleCustomSetting};

        await plugin.initialize(registry, {});

        expect(registerAdminConsoleCustomSetting).toHaveBeenCalledTimes(3);
        expect(registerAdminConsoleCustomSetting).toHaveBeenCalledWith('TeamsAppPackage', section, {showTitle: false});
        expect(registerAdminConsoleCustomSetting).toHaveBeenCalledWith('ConnectionCheck', check, {showTitle: false});
        expect(registerAdminConsoleCustomSetting).toHaveBeenCalledWith('ReachPanel', reach, {showTitle: false});
    });

    it('adds a Teams notifications page to the Settings dialog where the server supports it', async () => {
        const {plugin} = await loadPlugin();
        const registerUserSettings = vi.fn();
        await plugin.initialize({registerAdminConsoleCustomSetting: vi.fn(), registerUserSettings}, {});

        expect(registerUserSettings).toHaveBeenCalledTimes(1);
        const page = registerUserSettings.mock.calls[0][0];
        expect(page.id).toBe('io.missioncollab.m365');
        const setting = page.sections[0].settings[0];
        expect(setting.name).toBe('teams_notifications');
        expect(setting.type).toBe('radio');
        expect(setting.default).toBe('away');
        expect(setting.options.map((o: {value: string}) => o.value)).toEqual(['all', 'away', 'off']);

        // An older server has no such registry call; the plugin still starts.
        expect(() => plugin.initialize({registerAdminConsoleCustomSetting: vi.fn()}, {})).not.toThrow();
    });
});
