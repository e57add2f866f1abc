import type {ComponentType, ReactNode} from 'react';

// What a custom setting's save action returns; an error message marks the
// System Console save as failed.
export type SaveAction = () => Promise<{error?: {message?: string}}>;

// Props that the System Console passes to a custom plugin setting
// (SchemaAdminSettings.buildCustomSetting in mattermost/mattermost,
// webapp/channels/src/components/admin_console/schema_admin_settings.tsx).
// None of them says whether the page has unsaved changes: `config` is the
// saved config from the store, `value` is only this setting's own value.
export type AdminConsoleSettingProps = {
    id?: string;
    label?: ReactNode;
    helpText?: ReactNode;
    value?: unknown;

    // True when the plugin is switched off on the page (even unsaved) or the
    // user may not write plugin settings.
    disabled?: boolean;
    config?: unknown;
    license?: unknown;
    setByEnv?: boolean;
    onChange?: (id: string, value: unknown) => void;

    // Save actions run after the config itself was saved.
    registerSaveAction?: (action: SaveAction) => void;

    // Removes by identity; an unknown function would remove another
    // setting's action, so pass exactly the registered one.
    unRegisterSaveAction?: (action: SaveAction) => void;
    setSaveNeeded?: () => void;
    cancelSubmit?: () => void;
    showConfirm?: boolean;
};

// A plugin's page in the user's Settings dialog (PluginConfiguration in
// mattermost/mattermost, webapp/channels/src/types/plugins/user_settings.ts).
// Each setting's value is saved as the user's preference with category
// "pp_<plugin id>" and the setting's name; nothing is saved until the user
// changes it, so the server applies the same default.
export type UserSettingsPage = {
    id: string;
    uiName: string;
    sections: Array<{
        title: string;
        settings: Array<{
            name: string;
            title?: string;
            helpText?: string;
            type: 'radio';
            default: string;
            options: Array<{value: string; text: string; helpText?: string}>;
        }>;
    }>;
};

// The small part of Mattermost's plugin registry this plugin uses.
export interface PluginRegistry {
    registerAdminConsoleCustomSetting: (
        key: string,
        component: ComponentType<AdminConsoleSettingProps>,
        options?: {showTitle?: boolean},
    ) => void;

    // Missing on servers older than the plugin user settings.
    registerUserSettings?: (page: UserSettingsPage) => void;
}

export interface MattermostPlugin {
    initialize(registry: PluginRegistry, store: unknown): void | Promise<void>;
    uninitialize?(): void;
}

export type IconKind = 'color' | 'outline';

// A setting that keeps the Teams app package from being built.
export type SettingProblem = {
    setting: string;
    message: string;
};

// GET /api/v1/teams-app/status
export type TeamsAppStatus = {
    ready: boolean;
    fileName?: string;
    problems: SettingProblem[];
    icons: Record<IconKind, {custom: boolean}>;
    version?: string;

    // How the tenant catalog's app compares with the package built now;
    // absent until the plugin can call Microsoft Graph.
    catalog?: CatalogView;
};

export type CatalogState = 'current' | 'unrecorded' | 'changed' | 'older' | 'newer' | 'missing';

export type CatalogView = {
    version?: string;
    state?: CatalogState;
    error?: string;
    command?: string;
};

// PUT and DELETE /api/v1/teams-app/icons/{kind}
export type IconState = {
    custom: boolean;
};

// Every error response of the plugin's API.
export type ApiErrorBody = {
    error?: string;
    problems?: SettingProblem[];
};

declare global {
    interface Window {
        registerPlugin(id: string, plugin: MattermostPlugin): void;

        // Subpath Mattermost is served under, e.g. "/chat"; set by the host page.
        basename?: string;
    }
}

// GET /api/v1/health: the connection check.
export type HealthStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type HealthCheck = {
    id: string;
    name: string;
    status: HealthStatus;
    detail: string;
    fix?: string;
};

export type HealthReport = {
    checked_at: string;
    checks: HealthCheck[];
    secret_expires?: string;
};

// POST /api/v1/notifications/test
export type TestNotificationResult = {
    sent: boolean;
    message: string;
};

// One run of the job that links people who never opened the app.
export type ReachRun = {
    id: string;
    kind: 'everyone' | 'new accounts';
    trigger: string;
    started_at: number;
    finished_at?: number;
    error?: string;
    accounts: number;
    linked?: Record<string, number>;
    already_linked: number;
    installed: number;
    already_installed: number;
    skipped?: Record<string, number>;
    failed?: Record<string, number>;
    examples?: Record<string, string[]>;
};

// GET /api/v1/reach
export type ReachView = {
    on: boolean;
    off?: string;
    status: {current?: ReachRun; last?: ReachRun; last_everyone?: number};
    requested?: {at: number; by: string};
};
