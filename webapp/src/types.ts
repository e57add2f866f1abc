import type {ComponentType} from 'react';

// Props that the System Console passes to a custom admin console setting.
export type AdminConsoleSectionProps = {
    id?: string;
    config?: unknown;
    disabled?: boolean;
};

// The small part of Mattermost's plugin registry this plugin uses.
export interface PluginRegistry {
    registerAdminConsoleCustomSetting: (
        key: string,
        component: ComponentType<AdminConsoleSectionProps>,
        options?: {showTitle?: boolean},
    ) => void;
}

export interface MattermostPlugin {
    initialize(registry: PluginRegistry, store: unknown): void | Promise<void>;
    uninitialize?(): void;
}

declare global {
    interface Window {
        registerPlugin(id: string, plugin: MattermostPlugin): void;
    }
}
